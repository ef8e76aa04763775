/**
 * The doctor picker of the Availability and Calendar pages: every active doctor, or (a doctor's own account) only
 * their own record. The list is a `computed` over the doctors store, so a reload of the store shows in the picker.
 */
import { computed, ref } from "vue";
import type { Doctor } from "../api";
import { useDoctorsStore } from "../stores/doctors";
import { t } from "../i18n";

/** Shown to a doctor whose staff account is not linked to a doctor record. */
export const notLinked = () => t("misc.not_linked");

export function useDoctorPicker(ownOnly: () => boolean) {
  const store = useDoctorsStore();
  const me = ref<Doctor | null>(null);
  const doctorId = ref<number | null>(null);

  const doctors = computed<Doctor[]>(() => (ownOnly() ? (me.value ? [me.value] : []) : store.items));
  /** The picker's options: "Dr Meera Shah (Cardiology)". */
  const options = computed(() => doctors.value.map((d) => ({ id: d.id, label: `${d.full_name} (${d.department_name})` })));
  const doctorName = computed(() => doctors.value.find((d) => d.id === doctorId.value)?.full_name ?? "");

  /** Loads the list and picks `wanted` when listed, else the first. False when a doctor's account has no doctor record. */
  async function load(wanted?: number): Promise<boolean> {
    if (ownOnly()) me.value = await store.myDoctor();
    else await store.load(false);
    doctorId.value = doctors.value.find((d) => d.id === wanted)?.id ?? doctors.value[0]?.id ?? null;
    return !ownOnly() || me.value !== null;
  }

  return { doctors, options, doctorId, doctorName, load };
}
