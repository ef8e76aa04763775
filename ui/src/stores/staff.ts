/** Staff accounts (admin only). */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type NewStaff, type Staff } from "../api";

export const useStaffStore = defineStore("staff", () => {
  const items = ref<Staff[]>([]);
  const loading = ref(false);

  async function load() {
    loading.value = true;
    try {
      items.value = await api.listStaff();
    } finally {
      loading.value = false;
    }
  }

  function upsert(s: Staff) {
    const i = items.value.findIndex((x) => x.username === s.username);
    if (i >= 0) items.value.splice(i, 1, s);
    else items.value.push(s);
  }

  async function create(input: NewStaff): Promise<Staff> {
    const s = await api.createStaff(input);
    upsert(s);
    return s;
  }

  async function resetPassword(username: string, password: string) {
    await api.resetStaffPassword(username, password);
  }

  async function setActive(username: string, active: boolean): Promise<Staff> {
    const s = await api.setStaffActive(username, active);
    upsert(s);
    return s;
  }

  return { items, loading, load, create, resetPassword, setActive };
});
