import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises } from "@vue/test-utils";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "adminDashboard", "todayBoard", "getDiagnostics", "auditLog", "auditLogKinds", "exportAuditLog", "saveDialog",
    "listDoctors", "listDepartments", "listStaff",
  ]));
// ECharts needs a real canvas: the chart is a stub that can emit a click like the real one.
vi.mock("vue-echarts", () => ({
  default: { name: "VChart", props: ["option", "autoresize"], emits: ["click"], template: '<div class="vchart" />' },
}));

import { api, ApiError, type Diagnostics } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { mountWithRouter } from "../../test/mountWithRouter";
import { dashboardFixture } from "../../test/dashboardFixture";
import AdminDashboard from "../../components/AdminDashboard.vue";
import DiagnosticsPage from "../DiagnosticsPage.vue";
import AuditLogPage from "../AuditLogPage.vue";
import DoctorsPage from "../DoctorsPage.vue";

const m = apiMocks(api);
const routes = [
  { path: "/", name: "home" },
  { path: "/doctors", name: "doctors" },
  { path: "/calendar", name: "calendar" },
  { path: "/patients/:id", name: "patient" },
];

describe("AdminDashboard", () => {
  beforeEach(() => vi.clearAllMocks());

  it("shows the totals and opens a department's doctors from its chart segment", async () => {
    m.adminDashboard.mockResolvedValue(dashboardFixture());
    const { w, router } = await mountWithRouter(AdminDashboard, { routes });
    expect(w.find('[data-testid="total-today"]').text()).toBe("1");
    expect(w.find('[data-testid="total-month"]').text()).toBe("8");
    expect(w.findAll(".vchart")).toHaveLength(6);
    const charts = w.findAllComponents({ name: "VChart" });
    const department = charts.find((c) => c.attributes("data-testid") === "chart-department")!;
    department.vm.$emit("click", { dataIndex: 1 });
    await flushPromises();
    expect(router.currentRoute.value.name).toBe("doctors");
    expect(router.currentRoute.value.query).toEqual({ department: "9" });
    expect(w.find('[data-testid="department-link-7"]').text()).toBe("General Medicine: 5");
    w.unmount();
  });

  it("lists a day's appointments when its bar is clicked, and shows errors as sentences", async () => {
    m.adminDashboard.mockResolvedValue(dashboardFixture());
    m.todayBoard.mockResolvedValue({ date: "2026-11-18", label: "", columns: [] });
    const { w } = await mountWithRouter(AdminDashboard, { routes });
    const perDay = w.findAllComponents({ name: "VChart" }).find((c) => c.attributes("data-testid") === "chart-per-day")!;
    perDay.vm.$emit("click", { dataIndex: 1 });
    await flushPromises();
    expect(m.todayBoard).toHaveBeenCalledWith("2026-11-18");
    w.unmount();

    m.adminDashboard.mockRejectedValue(new ApiError("PermissionDenied", "The clinic dashboard is for administrators."));
    const { w: w2 } = await mountWithRouter(AdminDashboard, { routes });
    expect(w2.find('[data-testid="dashboard-error"]').text()).toContain("for administrators");
    w2.unmount();
  });
});

describe("DiagnosticsPage", () => {
  it("shows caches, slow statements, jobs and the last backup", async () => {
    const d: Diagnostics = {
      app_version: "0.1.0", data_dir: "/var/lib/clinicdesk", log_dir: "/var/lib/clinicdesk/logs",
      database: { server_version: "16.4", database: "clinicdesk", size_bytes: 1, size: "9 MB", connections: 3, max_connections: 100 },
      caches: [{ name: "free slots", ttl_seconds: 60, entries: 2, hits: 3, misses: 1, invalidations: 0 }],
      listener: { state: "listening", notifications: 4, reconnects: 0 },
      slow_threshold_ms: 100,
      slow_queries: [{ at: "2026-11-27T08:00:00Z", elapsed_ms: 150.5, statement: "SELECT pg_sleep($1)", rows: 1 }],
      jobs: [{ id: 1, job: "backup", period: "2026-11-26", host: "pc1", trigger: "schedule", started_at: "2026-11-26T02:00:00Z", finished_at: null, outcome: null, counts: {}, error: null, attempts: 1 }],
      last_backup: null,
    };
    m.getDiagnostics.mockResolvedValue(d);
    const { w } = await mountWithRouter(DiagnosticsPage, { routes });
    expect(w.find('[data-testid="diag-caches"]').text()).toContain("75%");
    expect(w.find('[data-testid="diag-slow"]').text()).toContain("SELECT pg_sleep($1)");
    expect(w.find('[data-testid="diag-slow"]').text()).toContain("150.5 ms");
    expect(w.find('[data-testid="diag-jobs"]').text()).toContain("running");
    expect(w.find('[data-testid="diag-last-backup"]').text()).toBe("No successful backup recorded");
    expect(w.find('[data-testid="diag-listener"]').text()).toContain("listening");
    w.unmount();
  });
});

describe("AuditLogPage", () => {
  beforeEach(() => vi.clearAllMocks());

  it("filters by staff member and table and exports the same filter", async () => {
    m.auditLogKinds.mockResolvedValue({ staff: ["anna", "bob"], tables: ["patients"], actions: ["insert"] });
    m.auditLog.mockResolvedValue({
      entries: [{ id: 1, at: "2026-11-27T08:00:00Z", actor: "anna", action: "insert", table_name: "patients", row_id: "5", details: "{}" }],
      more: false,
    });
    const { w } = await mountWithRouter(AuditLogPage, { routes });
    expect(m.auditLog).toHaveBeenCalledWith({ actor: null, table_name: null, action: null, from: null, to: null }, 0);
    await w.find('[data-testid="audit-actor"]').setValue("anna");
    await w.find('[data-testid="audit-table"]').setValue("patients");
    await w.find('[data-testid="audit-filters"]').trigger("submit");
    await flushPromises();
    expect(m.auditLog).toHaveBeenLastCalledWith(expect.objectContaining({ actor: "anna", table_name: "patients" }), 0);
    expect(w.find('[data-testid="audit-table-rows"]').text()).toContain("anna");

    m.saveDialog.mockResolvedValue("/tmp/audit.csv");
    m.exportAuditLog.mockResolvedValue({ rows: 1, path: "/tmp/audit.csv" });
    await w.find('[data-testid="audit-export"]').trigger("click");
    await flushPromises();
    expect(m.exportAuditLog).toHaveBeenCalledWith(expect.objectContaining({ actor: "anna" }), "/tmp/audit.csv");

    m.auditLog.mockRejectedValue(new ApiError("Validation", "The end date is before the start date.", "to"));
    await w.find('[data-testid="audit-filters"]').trigger("submit");
    await flushPromises();
    expect(w.text()).toContain("The end date is before the start date.");
    w.unmount();
  });
});

describe("DoctorsPage from a department segment", () => {
  it("lists only that department's doctors until Show all", async () => {
    const doc = (id: number, department_id: number, full_name: string) => ({
      id, staff_username: null, department_id, department_name: department_id === 9 ? "Cardiology" : "General", full_name,
      qualification: "", experience_years: 1, phone: null, email: null, consultation_fee_cents: 0, slot_minutes: 15, active: true,
    });
    m.listDoctors.mockResolvedValue([doc(1, 7, "Dr. Able"), doc(2, 9, "Dr. Baker")]);
    m.listDepartments.mockResolvedValue([{ id: 7, name: "General", description: "", doctor_count: 1 }, { id: 9, name: "Cardiology", description: "", doctor_count: 1 }]);
    m.listStaff.mockResolvedValue([]);
    const { w, router } = await mountWithRouter(DoctorsPage, { path: "/doctors?department=9", routes: [...routes, { path: "/availability", name: "availability" }, { path: "/book", name: "book" }] });
    expect(w.find('[data-testid="doctor-department-filter"]').text()).toContain("Cardiology");
    expect(w.find('[data-testid="doctor-row-2"]').exists()).toBe(true);
    expect(w.find('[data-testid="doctor-row-1"]').exists()).toBe(false);
    await router.replace({ name: "doctors" });
    await flushPromises();
    expect(w.find('[data-testid="doctor-row-1"]').exists()).toBe(true);
    w.unmount();
  });
});
