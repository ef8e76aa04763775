/**
 * The desk's "today": the date in the clinic's time zone (its settings), not on the PC's clock. Every "today" the desk
 * computes (which visits can be checked in, booking's first day, default date ranges, report months) comes from here.
 */
import { useSettingsStore } from "../stores/settings";
import { todayIn } from "./dates";

/** "YYYY-MM-DD" in the clinic's zone (the PC's date until the clinic's settings have loaded). Needs an active Pinia. */
export function clinicToday(now: Date = new Date()): string {
  return todayIn(useSettingsStore().clinicZone, now);
}
