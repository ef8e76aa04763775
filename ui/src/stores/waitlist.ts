/**
 * The waitlist (reception / admin): entries to add, list and close, and the desk's "slot freed — N waiting"
 * notices. A notice comes from the backend's "slot-freed" event (any desk cancelled or moved an appointment);
 * the store asks which open entries match the slot and keeps a notice only when someone is waiting.
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import {
  api,
  errorMessage,
  type Appointment,
  type FreedSlot,
  type SlotMatches,
  type UnlistenFn,
  type WaitlistEntry,
  type WaitlistInput,
} from "../api";
import { useBoardStore } from "./board";
import { t } from "../i18n";
import { formatDayLabel, formatTime } from "../i18n/format";
import { timeIn } from "../lib/dates";

export interface SlotNotice {
  key: string;
  matches: SlotMatches;
  /** The sentence from a failed "Book" (someone else took the slot, …). */
  error: string;
  booking: boolean;
}

const keyOf = (s: FreedSlot) => `${s.doctor_id}@${s.starts_at}`;

/**
 * A freed slot as the desk reads it, "10:00–10:15 on Wed 2 Dec", in the clinic's language and clock: built from the
 * slot's instants in the clinic's `zone`. Until the zone is known (settings not loaded), the backend's English label.
 */
export function slotLabel(m: SlotMatches, zone: string | null | undefined): string {
  const start = timeIn(zone, m.slot.starts_at);
  const end = timeIn(zone, m.slot.ends_at);
  if (!start || !end) return m.label;
  return t("waitlist.slot", { start: formatTime(start), end: formatTime(end), day: formatDayLabel(m.date) });
}

export const useWaitlistStore = defineStore("waitlist", () => {
  const items = ref<WaitlistEntry[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const includeClosed = ref(false);
  const notices = ref<SlotNotice[]>([]);
  let unlisten: UnlistenFn | null = null;

  async function load(withClosed = includeClosed.value) {
    includeClosed.value = withClosed;
    loading.value = true;
    try {
      items.value = await api.listWaitlist(withClosed);
    } finally {
      loading.value = false;
      loaded.value = true;
    }
  }

  async function add(input: WaitlistInput): Promise<WaitlistEntry> {
    const e = await api.addWaitlistEntry(input);
    items.value = [...items.value.filter((x) => x.id !== e.id), e];
    return e;
  }

  function replace(e: WaitlistEntry) {
    const i = items.value.findIndex((x) => x.id === e.id);
    if (i < 0) return;
    if (e.status !== "open" && !includeClosed.value) items.value.splice(i, 1);
    else items.value.splice(i, 1, e);
  }

  async function close(id: number): Promise<WaitlistEntry> {
    const e = await api.closeWaitlistEntry(id);
    replace(e);
    return e;
  }

  /** Matches a freed slot and shows (or refreshes, or drops) its notice. */
  async function slotFreed(slot: FreedSlot) {
    const m = await api.waitlistMatches(slot);
    const key = keyOf(slot);
    const i = notices.value.findIndex((n) => n.key === key);
    if (!m.free || m.entries.length === 0) {
      if (i >= 0) notices.value.splice(i, 1);
      return;
    }
    const notice: SlotNotice = { key, matches: m, error: "", booking: false };
    if (i >= 0) notices.value.splice(i, 1, notice);
    else notices.value.push(notice);
  }

  /** Starts listening for freed slots (once per window). */
  async function listen() {
    if (unlisten) return;
    unlisten = await api.onSlotFreed((slot) => {
      void slotFreed(slot).catch(() => undefined);
    });
  }

  function stop() {
    unlisten?.();
    unlisten = null;
    notices.value = [];
  }

  function dismiss(key: string) {
    notices.value = notices.value.filter((n) => n.key !== key);
  }

  /** "Book": the waiting patient into the notice's slot; on success the notice goes and the entry is booked. */
  async function book(key: string, entryId: number): Promise<Appointment | null> {
    const n = notices.value.find((x) => x.key === key);
    if (!n) return null;
    n.booking = true;
    n.error = "";
    try {
      const a = await api.bookFromWaitlist(entryId, n.matches.slot.doctor_id, n.matches.slot.starts_at);
      dismiss(key);
      const i = items.value.findIndex((x) => x.id === entryId);
      if (i >= 0) items.value.splice(i, 1);
      // the Today board, when it is showing, shows the new appointment now rather than at its next refresh
      const board = useBoardStore();
      if (board.board) void board.load().catch(() => undefined);
      return a;
    } catch (e) {
      n.error = errorMessage(e);
      return null;
    } finally {
      n.booking = false;
    }
  }

  return { items, loading, loaded, includeClosed, notices, load, add, close, slotFreed, listen, stop, dismiss, book };
});
