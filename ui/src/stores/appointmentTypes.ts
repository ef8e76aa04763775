/** Appointment types (list for everyone; create / edit and which doctors offer them for admins). */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api, type AppointmentType, type AppointmentTypeInput, type OfferedType, type TypeOffer } from "../api";

export const useAppointmentTypesStore = defineStore("appointmentTypes", () => {
  const items = ref<AppointmentType[]>([]);
  const loading = ref(false);

  const active = computed(() => items.value.filter((t) => t.active));

  async function load() {
    loading.value = true;
    try {
      items.value = await api.listAppointmentTypes();
    } finally {
      loading.value = false;
    }
  }

  function upsert(t: AppointmentType) {
    const i = items.value.findIndex((x) => x.id === t.id);
    if (i >= 0) items.value.splice(i, 1, t);
    else items.value.push(t);
  }

  async function create(input: AppointmentTypeInput): Promise<AppointmentType> {
    const t = await api.createAppointmentType(input);
    upsert(t);
    return t;
  }

  async function update(id: number, input: AppointmentTypeInput): Promise<AppointmentType> {
    const t = await api.updateAppointmentType(id, input);
    upsert(t);
    return t;
  }

  /** The types a doctor offers (the default first, marked). */
  function offeredBy(doctorId: number): Promise<OfferedType[]> {
    return api.doctorAppointmentTypes(doctorId);
  }

  /** Replaces the types a doctor offers (at most one default). */
  async function setOffers(doctorId: number, offers: TypeOffer[]): Promise<void> {
    await api.setDoctorAppointmentTypes(doctorId, offers);
  }

  return { items, active, loading, load, create, update, offeredBy, setOffers };
});
