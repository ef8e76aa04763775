/** Routes and the guard that sends people to setup, sign-in, or the screens their role allows. */
import { createRouter, createWebHashHistory, type RouteRecordRaw, type RouterHistory } from "vue-router";
import { useSessionStore } from "../stores/session";
import { canVisit, homeFor } from "../lib/nav";

declare module "vue-router" {
  interface RouteMeta {
    public?: boolean;
    nav?: string;
    title?: string;
    /** Print views: the shell hides its header and nav. */
    print?: boolean;
  }
}

export const routes: RouteRecordRaw[] = [
  { path: "/setup", name: "setup", component: () => import("../pages/SetupPage.vue"), meta: { public: true, title: "Set up ClinicDesk" } },
  { path: "/signin", name: "signin", component: () => import("../pages/SignInPage.vue"), meta: { public: true, title: "Sign in" } },
  {
    path: "/",
    component: () => import("../pages/AppShell.vue"),
    children: [
      { path: "", name: "home", component: () => import("../pages/HomePage.vue"), meta: { nav: "home", title: "Home" } },
      { path: "today", name: "today", component: () => import("../pages/TodayPage.vue"), meta: { nav: "today", title: "Today" } },
      { path: "patients", name: "patients", component: () => import("../pages/PatientsPage.vue"), meta: { nav: "patients", title: "Patients" } },
      { path: "patients/:id(\\d+)", name: "patient", component: () => import("../pages/PatientChartPage.vue"), meta: { nav: "patients", title: "Patient" } },
      { path: "book", name: "book", component: () => import("../pages/BookPage.vue"), meta: { nav: "book", title: "Book" } },
      { path: "waitlist", name: "waitlist", component: () => import("../pages/WaitlistPage.vue"), meta: { nav: "waitlist", title: "Waitlist" } },
      { path: "calendar", name: "calendar", component: () => import("../pages/CalendarPage.vue"), meta: { nav: "calendar", title: "Calendar" } },
      { path: "doctors", name: "doctors", component: () => import("../pages/DoctorsPage.vue"), meta: { nav: "doctors", title: "Doctors" } },
      { path: "availability", name: "availability", component: () => import("../pages/AvailabilityPage.vue"), meta: { nav: "availability", title: "Availability" } },
      { path: "print/day/:doctorId(\\d+)/:date", name: "print-day", component: () => import("../pages/PrintDayPage.vue"), meta: { nav: "today", title: "Day sheet", print: true } },
      { path: "staff", name: "staff", component: () => import("../pages/StaffPage.vue"), meta: { nav: "staff", title: "Staff" } },
      { path: "departments", name: "departments", component: () => import("../pages/DepartmentsPage.vue"), meta: { nav: "departments", title: "Departments" } },
      { path: "appointment-types", name: "appointment-types", component: () => import("../pages/AppointmentTypesPage.vue"), meta: { nav: "types", title: "Appointment types" } },
      { path: "settings", name: "settings", component: () => import("../pages/SettingsPage.vue"), meta: { nav: "settings", title: "Settings" } },
      { path: "jobs", name: "jobs", component: () => import("../pages/JobsPage.vue"), meta: { nav: "jobs", title: "Jobs" } },
      { path: "outbox", name: "outbox", component: () => import("../pages/OutboxPage.vue"), meta: { nav: "outbox", title: "Outbox" } },
      { path: "reports", name: "reports", component: () => import("../pages/ReportsPage.vue"), meta: { nav: "reports", title: "Reports" } },
      { path: "diagnostics", name: "diagnostics", component: () => import("../pages/DiagnosticsPage.vue"), meta: { nav: "diagnostics", title: "Diagnostics" } },
      { path: "audit", name: "audit", component: () => import("../pages/AuditLogPage.vue"), meta: { nav: "audit", title: "Audit log" } },
      { path: "no-shows", name: "noshows", component: () => import("../pages/NoShowsPage.vue"), meta: { nav: "noshows", title: "No-shows" } },
      { path: "my-dashboard", name: "my-dashboard", component: () => import("../pages/DoctorDashboardPage.vue"), meta: { nav: "dashboard", title: "My dashboard" } },
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

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · ClinicDesk` : "ClinicDesk";
  });

  return router;
}
