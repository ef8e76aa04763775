/** Doctors (list for everyone; create / edit / deactivate for admins). */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api, type Doctor, type DoctorActivation, type DoctorInput } from "../api";

export const useDoctorsStore = defineStore("doctors", () => {
  const items = ref<Doctor[]>([]);
  const loading = ref(false);
  const includeInactive = ref(false);

  const active = computed(() => items.value.filter((d) => d.active));

  async function load(withInactive = includeInactive.value) {
    includeInactive.value = withInactive;
    loading.value = true;
    try {
      items.value = await api.listDoctors(withInactive);
    } finally {
      loading.value = false;
    }
  }

  /** The signed-in doctor's own record (null when the account is not linked to a doctor). */
  function myDoctor(): Promise<Doctor | null> {
    return api.myDoctor();
  }

  function upsert(d: Doctor) {
    const i = items.value.findIndex((x) => x.id === d.id);
    if (i >= 0) items.value.splice(i, 1, d);
    else items.value.push(d);
  }

  async function create(input: DoctorInput): Promise<Doctor> {
    const d = await api.createDoctor(input);
    upsert(d);
    return d;
  }

  async function update(id: number, input: DoctorInput): Promise<Doctor> {
    const d = await api.updateDoctor(id, input);
    upsert(d);
    return d;
  }

  async function setActive(id: number, value: boolean): Promise<DoctorActivation> {
    const res = await api.setDoctorActive(id, value);
    if (!value && !includeInactive.value) items.value = items.value.filter((x) => x.id !== id);
    else upsert(res.doctor);
    return res;
  }

  return { items, active, loading, includeInactive, load, myDoctor, create, update, setActive };
});
