/** Routes and the guard that sends people to setup, sign-in, or the screens their role allows. */
import { createRouter, createWebHashHistory, type RouteLocationNormalized, type RouteRecordRaw, type RouterHistory } from "vue-router";
import { useSessionStore } from "../stores/session";
import { canVisit, homeFor } from "../lib/nav";
import { watch } from "vue";
import { i18n, t } from "../i18n";

declare module "vue-router" {
  interface RouteMeta {
    public?: boolean;
    nav?: string;
    /** The message key of the window title (`misc.title.*`). */
    title?: string;
    /** Print views: the shell hides its header and nav. */
    print?: boolean;
  }
}

export const routes: RouteRecordRaw[] = [
  { path: "/setup", name: "setup", component: () => import("../pages/SetupPage.vue"), meta: { public: true, title: "misc.title.setup" } },
  { path: "/signin", name: "signin", component: () => import("../pages/SignInPage.vue"), meta: { public: true, title: "misc.title.signin" } },
  {
    path: "/",
    component: () => import("../pages/AppShell.vue"),
    children: [
      { path: "", name: "home", component: () => import("../pages/HomePage.vue"), meta: { nav: "home", title: "misc.title.home" } },
      { path: "today", name: "today", component: () => import("../pages/TodayPage.vue"), meta: { nav: "today", title: "misc.title.today" } },
      { path: "patients", name: "patients", component: () => import("../pages/PatientsPage.vue"), meta: { nav: "patients", title: "misc.title.patients" } },
      { path: "patients/:id(\\d+)", name: "patient", component: () => import("../pages/PatientChartPage.vue"), meta: { nav: "patients", title: "misc.title.patient" } },
      { path: "book", name: "book", component: () => import("../pages/BookPage.vue"), meta: { nav: "book", title: "misc.title.book" } },
      { path: "waitlist", name: "waitlist", component: () => import("../pages/WaitlistPage.vue"), meta: { nav: "waitlist", title: "misc.title.waitlist" } },
      { path: "calendar", name: "calendar", component: () => import("../pages/CalendarPage.vue"), meta: { nav: "calendar", title: "misc.title.calendar" } },
      { path: "doctors", name: "doctors", component: () => import("../pages/DoctorsPage.vue"), meta: { nav: "doctors", title: "misc.title.doctors" } },
      { path: "availability", name: "availability", component: () => import("../pages/AvailabilityPage.vue"), meta: { nav: "availability", title: "misc.title.availability" } },
      { path: "print/day/:doctorId(\\d+)/:date", name: "print-day", component: () => import("../pages/PrintDayPage.vue"), meta: { nav: "today", title: "misc.title.print_day", print: true } },
      { path: "staff", name: "staff", component: () => import("../pages/StaffPage.vue"), meta: { nav: "staff", title: "misc.title.staff" } },
      { path: "departments", name: "departments", component: () => import("../pages/DepartmentsPage.vue"), meta: { nav: "departments", title: "misc.title.departments" } },
      { path: "appointment-types", name: "appointment-types", component: () => import("../pages/AppointmentTypesPage.vue"), meta: { nav: "types", title: "misc.title.appointment_types" } },
      { path: "settings", name: "settings", component: () => import("../pages/SettingsPage.vue"), meta: { nav: "settings", title: "misc.title.settings" } },
      { path: "jobs", name: "jobs", component: () => import("../pages/JobsPage.vue"), meta: { nav: "jobs", title: "misc.title.jobs" } },
      { path: "outbox", name: "outbox", component: () => import("../pages/OutboxPage.vue"), meta: { nav: "outbox", title: "misc.title.outbox" } },
      { path: "reports", name: "reports", component: () => import("../pages/ReportsPage.vue"), meta: { nav: "reports", title: "misc.title.reports" } },
      { path: "diagnostics", name: "diagnostics", component: () => import("../pages/DiagnosticsPage.vue"), meta: { nav: "diagnostics", title: "misc.title.diagnostics" } },
      { path: "audit", name: "audit", component: () => import("../pages/AuditLogPage.vue"), meta: { nav: "audit", title: "misc.title.audit" } },
      { path: "no-shows", name: "noshows", component: () => import("../pages/NoShowsPage.vue"), meta: { nav: "noshows", title: "misc.title.noshows" } },
      { path: "my-dashboard", name: "my-dashboard", component: () => import("../pages/DoctorDashboardPage.vue"), meta: { nav: "dashboard", title: "misc.title.my_dashboard" } },
    ],
  },
  { path: "/:pathMatch(.*)*", redirect: "/" },
];

export function createAppRouter(history: RouterHistory = createWebHashHistory()) {
  const router = createRouter({ history, routes });

  router.beforeEach(async (to) => {
    const store = useSessionStore();
    if (!store.status) {
      try {
        await store.loadStatus();
      } catch {
        // Backend unreachable: let sign-in show the error rather than a blank window.
      }
    }
    const setupRequired = store.status?.setup_required ?? false;
    if (setupRequired) return to.name === "setup" ? true : { name: "setup" };
    if (to.name === "setup") return { name: "signin" };

    if (!store.signedIn) await store.restore();
    if (!store.signedIn) return to.meta.public ? true : { name: "signin" };

    const home = homeFor(store.role);
    if (to.meta.public) return { name: home };
    if (to.name === "home" && home !== "home") return { name: home };
    if (to.meta.nav && !canVisit(store.role, to.meta.nav)) return { name: home };
    return true;
  });

  /** The window title in the clinic's language: "Today · ClinicDesk". */
  const setTitle = (to: RouteLocationNormalized = router.currentRoute.value) => {
    const key = to.meta.title;
    document.title = key ? t("misc.document_title", { page: t(key) }) : "ClinicDesk";
  };
  router.afterEach((to) => setTitle(to));
  watch(() => i18n.global.locale.value, () => setTitle());

  return router;
}
