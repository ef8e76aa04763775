/** Reminder rules and SMS quiet hours (Settings): everyone reads them, administrators change them. */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type QuietHours, type ReminderRule, type ReminderRuleInput } from "../api";

export const useReminderRulesStore = defineStore("reminderRules", () => {
  const rules = ref<ReminderRule[]>([]);
  const quiet = ref<QuietHours>({ start: null, end: null });

  async function load(): Promise<void> {
    const [r, q] = await Promise.all([api.listReminderRules(), api.getQuietHours()]);
    rules.value = r;
    quiet.value = q;
  }

  async function add(input: ReminderRuleInput): Promise<ReminderRule> {
    const rule = await api.addReminderRule(input);
    rules.value = await api.listReminderRules();
    return rule;
  }

  async function remove(id: number): Promise<void> {
    await api.removeReminderRule(id);
    rules.value = rules.value.filter((r) => r.id !== id);
  }

  async function saveQuiet(input: QuietHours): Promise<QuietHours> {
    quiet.value = await api.setQuietHours(input);
    return quiet.value;
  }

  return { rules, quiet, load, add, remove, saveQuiet };
});
