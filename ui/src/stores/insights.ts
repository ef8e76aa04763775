/** Dashboards, diagnostics and the audit log (admin; the doctor dashboard for doctors). */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type AdminDashboard, type AuditEntry, type AuditFilter, type AuditKinds, type Diagnostics, type DoctorDashboard } from "../api";
import { clinicToday } from "../lib/clinicToday";

export const useInsightsStore = defineStore("insights", () => {
  const admin = ref<AdminDashboard | null>(null);
  const doctor = ref<DoctorDashboard | null>(null);
  const diagnostics = ref<Diagnostics | null>(null);
  const loading = ref(false);

  async function run<T>(f: () => Promise<T>): Promise<T> {
    loading.value = true;
    try {
      return await f();
    } finally {
      loading.value = false;
    }
  }

  const loadAdmin = () => run(async () => (admin.value = await api.adminDashboard()));
  const loadDoctor = () => run(async () => (doctor.value = await api.doctorDashboard()));
  const loadDiagnostics = () => run(async () => (diagnostics.value = await api.getDiagnostics()));

  return { admin, doctor, diagnostics, loading, loadAdmin, loadDoctor, loadDiagnostics };
});

export function emptyAuditFilter(): AuditFilter {
  return { actor: null, table_name: null, action: null, from: null, to: null };
}

export const useAuditStore = defineStore("audit", () => {
  const entries = ref<AuditEntry[]>([]);
  const more = ref(false);
  const page = ref(0);
  const kinds = ref<AuditKinds>({ staff: [], tables: [], actions: [] });
  const filter = ref<AuditFilter>(emptyAuditFilter());
  const loading = ref(false);

  async function load(p = 0) {
    loading.value = true;
    try {
      const r = await api.auditLog(filter.value, p);
      entries.value = r.entries;
      more.value = r.more;
      page.value = p;
    } finally {
      loading.value = false;
    }
  }

  async function loadKinds() {
    kinds.value = await api.auditLogKinds();
  }

  /** Asks where to save, then writes the filtered log; null when the user cancelled the dialog. */
  async function exportCsv(): Promise<{ rows: number; path: string } | null> {
    const path = await api.saveDialog(`audit-log-${clinicToday()}.csv`);
    if (!path) return null;
    return api.exportAuditLog(filter.value, path);
  }

  return { entries, more, page, kinds, filter, loading, load, loadKinds, exportCsv };
});
