/** Departments and how many doctors each has (admin only). */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type Department, type DepartmentInput } from "../api";

export const useDepartmentsStore = defineStore("departments", () => {
  const items = ref<Department[]>([]);
  const loading = ref(false);

  async function load() {
    loading.value = true;
    try {
      items.value = await api.listDepartments();
    } finally {
      loading.value = false;
    }
  }

  async function create(input: DepartmentInput): Promise<Department> {
    const d = await api.createDepartment(input);
    items.value.push(d);
    return d;
  }

  async function update(id: number, input: DepartmentInput): Promise<Department> {
    const d = await api.updateDepartment(id, input);
    const i = items.value.findIndex((x) => x.id === id);
    if (i >= 0) items.value.splice(i, 1, d);
    return d;
  }

  async function remove(id: number) {
    await api.deleteDepartment(id);
    items.value = items.value.filter((x) => x.id !== id);
  }

  return { items, loading, load, create, update, remove };
});
