/** Client-side checks of an appointment type's form (the server checks the same and answers per field too). */
import { t } from "../i18n";

export const TYPE_MIN_MINUTES = 5;
export const TYPE_MAX_MINUTES = 240;
export const TYPE_STEP_MINUTES = 5;

/** Field errors of a type's draft (name, minutes, colour); empty when it may be saved. */
export function typeInputErrors(draft: { name: string; minutes: string; colour: string }): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!draft.name.trim()) errors.name = t("types.err_name");
  else if (draft.name.trim().length > 60) errors.name = t("types.err_name_long", { max: 60 });
  const m = Number(draft.minutes);
  if (String(draft.minutes).trim() === "" || !Number.isInteger(m)) errors.minutes = t("types.err_minutes");
  else if (m < TYPE_MIN_MINUTES || m > TYPE_MAX_MINUTES)
    errors.minutes = t("types.err_minutes_range", { min: TYPE_MIN_MINUTES, max: TYPE_MAX_MINUTES });
  else if (m % TYPE_STEP_MINUTES !== 0) errors.minutes = t("types.err_minutes_step", { step: TYPE_STEP_MINUTES });
  if (!/^#[0-9a-fA-F]{6}$/.test(draft.colour.trim())) errors.colour = t("types.err_colour");
  return errors;
}
