/**
 * A series preview's conflict sentence in the clinic's language. The backend's `Occurrence.conflict` is an English
 * sentence without a catalog code, so the known sentences (series.rs: `planned_slot` and `preview`) are mapped to
 * message keys here; an unknown one is shown as the backend wrote it. Once the DTO carries a code and parameters,
 * this table goes and `localSentence` does the job.
 */
import { t } from "../i18n";

const KNOWN: Record<string, string> = {
  "That time does not exist on this day (the clocks change).": "series.conflict.clocks_change",
  "The clinic is closed that day.": "series.conflict.clinic_closed",
  "The doctor is on leave then.": "series.conflict.doctor_on_leave",
  "The doctor does not see patients then.": "series.conflict.doctor_not_working",
  "That time has already passed.": "series.conflict.passed",
  "The patient has another appointment then.": "series.conflict.patient_busy",
};
const DOCTOR_BUSY = /^(.+) already has an appointment then\.$/;

/** The sentence shown for a previewed visit that cannot be booked as planned (`null`: the time does not exist). */
export function conflictText(conflict: string | null): string {
  if (conflict === null) return t("series.conflict.no_such_time");
  const key = KNOWN[conflict];
  if (key) return t(key);
  const busy = DOCTOR_BUSY.exec(conflict);
  if (busy) return t("series.conflict.doctor_busy", { doctor: busy[1] });
  return conflict;
}
