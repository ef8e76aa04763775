/** Which screens each role may see. Pure so the router guard and the nav share one truth. */
import type { StaffRole } from "../api";
import { t } from "../i18n";

export type NavName =
  | "home"
  | "today"
  | "patients"
  | "book"
  | "waitlist"
  | "calendar"
  | "doctors"
  | "availability"
  | "staff"
  | "departments"
  | "types"
  | "settings"
  | "jobs"
  | "outbox"
  | "reports"
  | "diagnostics"
  | "audit"
  | "dashboard"
  | "noshows";

export interface NavItem {
  name: NavName;
  label: string;
  path: string;
  icon: string;
}

/** A nav entry whose label is read in the clinic's language each time it is shown. */
function item(name: NavName, path: string, icon: string): NavItem {
  return {
    name, path, icon,
    get label() {
      return t(`nav.${name}`);
    },
  };
}

const ALL: Record<NavName, NavItem> = {
  home: item("home", "/", "pi pi-home"),
  today: item("today", "/today", "pi pi-th-large"),
  patients: item("patients", "/patients", "pi pi-id-card"),
  book: item("book", "/book", "pi pi-calendar-plus"),
  waitlist: item("waitlist", "/waitlist", "pi pi-list"),
  calendar: item("calendar", "/calendar", "pi pi-calendar"),
  doctors: item("doctors", "/doctors", "pi pi-briefcase"),
  availability: item("availability", "/availability", "pi pi-clock"),
  staff: item("staff", "/staff", "pi pi-users"),
  departments: item("departments", "/departments", "pi pi-sitemap"),
  types: item("types", "/appointment-types", "pi pi-tags"),
  settings: item("settings", "/settings", "pi pi-cog"),
  jobs: item("jobs", "/jobs", "pi pi-sync"),
  outbox: item("outbox", "/outbox", "pi pi-send"),
  reports: item("reports", "/reports", "pi pi-file"),
  diagnostics: item("diagnostics", "/diagnostics", "pi pi-wrench"),
  audit: item("audit", "/audit", "pi pi-history"),
  dashboard: item("dashboard", "/my-dashboard", "pi pi-chart-bar"),
  noshows: item("noshows", "/no-shows", "pi pi-user-minus"),
};

const BY_ROLE: Record<StaffRole, NavName[]> = {
  admin: ["home", "today", "patients", "book", "calendar", "doctors", "staff", "departments", "types", "settings", "jobs", "outbox", "reports", "waitlist", "noshows"],
  reception: ["today", "patients", "book", "calendar", "waitlist", "noshows"],
  doctor: ["calendar", "patients", "availability", "reports", "noshows"],
};

/** Screens a role may open that are not in its nav (reached from another page). */
const EXTRA: Record<StaffRole, NavName[]> = {
  admin: ["availability", "diagnostics", "audit"], // from the Doctors page; from Home
  reception: [],
  doctor: ["dashboard"], // from My week
};

/** A role's own name for an entry, read in the clinic's language each time. */
const LABELS: Partial<Record<StaffRole, Partial<Record<NavName, () => string>>>> = {
  doctor: { calendar: () => t("calendar.my_week") },
};

/** Where a role lands after sign-in (and when it opens a screen it may not see). */
const HOME: Record<StaffRole, NavName> = {
  admin: "home",
  reception: "today",
  doctor: "calendar",
};

export function navItemsFor(role: StaffRole | null | undefined): NavItem[] {
  if (!role || !(role in BY_ROLE)) return [];
  return BY_ROLE[role].map((name) => {
    const item = { ...ALL[name] };
    const label = LABELS[role]?.[name];
    if (label) item.label = label();
    return item;
  });
}

export function homeFor(role: StaffRole | null | undefined): NavName {
  return role && role in HOME ? HOME[role] : "home";
}

export function canVisit(role: StaffRole | null | undefined, name: string): boolean {
  if (!role || !(role in BY_ROLE)) return false;
  return navItemsFor(role).some((i) => i.name === name) || EXTRA[role].includes(name as NavName);
}

export const ROLE_LABELS: Record<StaffRole, string> = {
  get admin() {
    return t("nav.role_admin");
  },
  get doctor() {
    return t("nav.role_doctor");
  },
  get reception() {
    return t("nav.role_reception");
  },
};
