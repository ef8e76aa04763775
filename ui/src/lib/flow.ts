/** The flow board's arithmetic: live waiting minutes, the alert, and the words a card shows. */
import type { FlowCard, FlowState } from "../api";
import { t } from "../i18n";

/** Whole minutes waited: until the call once called, else until `nowMs` while still waiting; null before arrival. */
export function liveWaitMinutes(card: Pick<FlowCard, "state" | "checked_in_at" | "called_at" | "wait_minutes">, nowMs: number): number | null {
  if (!card.checked_in_at) return null;
  if (card.state !== "arrived") return card.wait_minutes;
  const since = Date.parse(card.checked_in_at);
  if (Number.isNaN(since)) return card.wait_minutes;
  return Math.max(0, Math.floor((nowMs - since) / 60_000));
}

/** Still waiting, and for longer than the clinic's alert threshold. */
export function overAlert(card: Pick<FlowCard, "state">, minutes: number | null, alertMinutes: number): boolean {
  return card.state === "arrived" && minutes !== null && minutes > alertMinutes;
}

/** "Arrived · waiting 12 min", "With doctor · waited 9 min", "Booked" (in the clinic's language). */
export function flowLabel(state: FlowState, minutes: number | null): string {
  if (state === "closed") return "";
  const name = t(`flow.${state}`);
  if (minutes === null) return name;
  return state === "arrived" ? t("flow.waiting", { name, n: minutes }) : t("flow.waited", { name, n: minutes });
}

/** "Average wait 13 min" or "No waits yet". */
export function averageLabel(minutes: number | null): string {
  return minutes === null ? t("flow.no_waits") : t("flow.average", { n: minutes });
}
