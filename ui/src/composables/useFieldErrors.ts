import { nextTick, ref } from "vue";
import { ApiError } from "../api";

/**
 * Per-field and whole-form error state for a form.
 * Field errors are shown in `<p id="{idPrefix}{field}-error">` (see FormField) and referenced from the control's
 * aria-describedby; `fail` routes an ApiError to its field (when `mapField` accepts it) or to `formError`;
 * `trySave` runs a save with `saving` set meanwhile and a failure routed by `fail`.
 * A field error puts the cursor in the first wrong field (in page order): its control has the id `{idPrefix}{field}`.
 */
export function useFieldErrors(idPrefix: string) {
  const errors = ref<Record<string, string>>({});
  const formError = ref("");
  const saving = ref(false);

  const errorId = (field: string) => `${idPrefix}${field}-error`;

  /** The control's aria-describedby: the field's error id (only while it has an error), then any extra ids. */
  function describedBy(field: string, extra?: string) {
    return [errors.value[field] ? errorId(field) : null, extra].filter(Boolean).join(" ") || undefined;
  }

  /** The cursor to the first field (in page order) that has an error, after the errors are rendered. */
  async function focusFirstError() {
    await nextTick();
    const controls = Object.keys(errors.value)
      .map((f) => document.getElementById(`${idPrefix}${f}`))
      .filter((el): el is HTMLElement => !!el && el.isConnected);
    controls.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    controls[0]?.focus();
  }

  function clear() {
    errors.value = {};
    formError.value = "";
  }

  /** Shows client-side field errors; true when there were any (so the caller stops). */
  function setLocal(local: Record<string, string>): boolean {
    if (!Object.keys(local).length) return false;
    errors.value = local;
    void focusFirstError();
    return true;
  }

  /** An error from the api layer: to its field (after `mapField`; "" = not a field of this form) or the form. */
  function fail(e: unknown, mapField: (field: string) => string = (f) => f) {
    const ae = ApiError.from(e);
    const field = ae.field ? mapField(ae.field) : "";
    if (field) {
      errors.value = { [field]: ae.message };
      void focusFirstError();
    } else formError.value = ae.message;
  }

  /** Runs `task` with `saving` true meanwhile; a failure goes to its field or the form (see `fail`). True when it succeeded. */
  async function trySave(task: () => Promise<unknown>): Promise<boolean> {
    saving.value = true;
    try {
      await task();
      return true;
    } catch (e) {
      fail(e);
      return false;
    } finally {
      saving.value = false;
    }
  }

  return { errors, formError, saving, errorId, describedBy, clear, setLocal, fail, trySave };
}
