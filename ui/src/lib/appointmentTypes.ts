/** Client-side checks of an appointment type's form (the server checks the same and answers per field too). */

export const TYPE_MIN_MINUTES = 5;
export const TYPE_MAX_MINUTES = 240;
export const TYPE_STEP_MINUTES = 5;

/** Field errors of a type's draft (name, minutes, colour); empty when it may be saved. */
export function typeInputErrors(draft: { name: string; minutes: string; colour: string }): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!draft.name.trim()) errors.name = "Enter the type's name.";
  else if (draft.name.trim().length > 60) errors.name = "The name is at most 60 characters.";
  const m = Number(draft.minutes);
  if (String(draft.minutes).trim() === "" || !Number.isInteger(m)) errors.minutes = "Enter the length in whole minutes.";
  else if (m < TYPE_MIN_MINUTES || m > TYPE_MAX_MINUTES)
    errors.minutes = `The length is between ${TYPE_MIN_MINUTES} and ${TYPE_MAX_MINUTES} minutes.`;
  else if (m % TYPE_STEP_MINUTES !== 0) errors.minutes = `The length is in steps of ${TYPE_STEP_MINUTES} minutes (e.g. 15, 30, 45).`;
  if (!/^#[0-9a-fA-F]{6}$/.test(draft.colour.trim())) errors.colour = "Enter the colour as # and six hex digits, e.g. #2563eb.";
  return errors;
}
