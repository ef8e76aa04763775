/** Which screens each role may see. Pure so the router guard and the nav share one truth. */
import type { StaffRole } from "../api";

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

const ALL: Record<NavName, NavItem> = {
  home: { name: "home", label: "Home", path: "/", icon: "pi pi-home" },
  today: { name: "today", label: "Today", path: "/today", icon: "pi pi-th-large" },
  patients: { name: "patients", label: "Patients", path: "/patients", icon: "pi pi-id-card" },
  book: { name: "book", label: "Book", path: "/book", icon: "pi pi-calendar-plus" },
  waitlist: { name: "waitlist", label: "Waitlist", path: "/waitlist", icon: "pi pi-list" },
  calendar: { name: "calendar", label: "Calendar", path: "/calendar", icon: "pi pi-calendar" },
  doctors: { name: "doctors", label: "Doctors", path: "/doctors", icon: "pi pi-briefcase" },
  availability: { name: "availability", label: "Availability", path: "/availability", icon: "pi pi-clock" },
  staff: { name: "staff", label: "Staff", path: "/staff", icon: "pi pi-users" },
  departments: { name: "departments", label: "Departments", path: "/departments", icon: "pi pi-sitemap" },
  types: { name: "types", label: "Appointment types", path: "/appointment-types", icon: "pi pi-tags" },
  settings: { name: "settings", label: "Settings", path: "/settings", icon: "pi pi-cog" },
  jobs: { name: "jobs", label: "Jobs", path: "/jobs", icon: "pi pi-sync" },
  outbox: { name: "outbox", label: "Outbox", path: "/outbox", icon: "pi pi-send" },
  reports: { name: "reports", label: "Reports", path: "/reports", icon: "pi pi-file" },
  diagnostics: { name: "diagnostics", label: "Diagnostics", path: "/diagnostics", icon: "pi pi-wrench" },
  audit: { name: "audit", label: "Audit log", path: "/audit", icon: "pi pi-history" },
  dashboard: { name: "dashboard", label: "My dashboard", path: "/my-dashboard", icon: "pi pi-chart-bar" },
  noshows: { name: "noshows", label: "No-shows", path: "/no-shows", icon: "pi pi-user-minus" },
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

const LABELS: Partial<Record<StaffRole, Partial<Record<NavName, string>>>> = {
  doctor: { calendar: "My week" },
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
    if (label) item.label = label;
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
  admin: "Admin",
  doctor: "Doctor",
  reception: "Reception",
};
