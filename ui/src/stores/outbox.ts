/** The notification outbox: filtered list, counts per status, retry / cancel / send now (admin only). */
import { defineStore } from "pinia";
import { reactive, ref } from "vue";
import { api, type OutboxCounts, type OutboxFilter, type OutboxItem } from "../api";
import { latestOnly } from "../lib/latest";

export const OUTBOX_LIMIT = 200;

export const emptyOutboxFilter = (): OutboxFilter => ({ status: null, channel: null, from: null, to: null, limit: OUTBOX_LIMIT });

export const useOutboxStore = defineStore("outbox", () => {
  const items = ref<OutboxItem[]>([]);
  const counts = ref<OutboxCounts | null>(null);
  /** The filter of the list on screen (kept across visits). */
  const filter = reactive<OutboxFilter>(emptyOutboxFilter());
  const loading = ref(false);
  const latest = latestOnly(loading);

  /** The list for `filter` and the counts; stale answers are dropped. */
  function load() {
    const f: OutboxFilter = { ...filter, from: filter.from || null, to: filter.to || null };
    return latest(() => Promise.all([api.listOutbox(f), api.outboxCounts()]), ([list, c]) => {
      items.value = list;
      counts.value = c;
    });
  }

  function resetFilter() {
    Object.assign(filter, emptyOutboxFilter());
  }

  async function retry(id: number): Promise<OutboxItem> {
    const item = await api.retryNotification(id);
    await load();
    return item;
  }

  async function cancel(id: number): Promise<OutboxItem> {
    const item = await api.cancelNotification(id);
    await load();
    return item;
  }

  /** Drains the outbox once now; resolves to the number of messages sent. */
  async function dispatchNow(): Promise<number> {
    const sent = await api.dispatchNow();
    await load();
    return sent;
  }

  return { items, counts, filter, loading, load, resetFilter, retry, cancel, dispatchNow };
});
