/** Which screens each role may see. Pure so the router guard and the nav share one truth. */
import type { StaffRole } from "../api";

export type NavName = "home" | "staff" | "departments" | "settings";

export interface NavItem {
  name: NavName;
  label: string;
  path: string;
  icon: string;
}

const ALL: Record<NavName, Omit<NavItem, "label"> & { label: string }> = {
  home: { name: "home", label: "Home", path: "/", icon: "pi pi-home" },
  staff: { name: "staff", label: "Staff", path: "/staff", icon: "pi pi-users" },
  departments: { name: "departments", label: "Departments", path: "/departments", icon: "pi pi-sitemap" },
  settings: { name: "settings", label: "Settings", path: "/settings", icon: "pi pi-cog" },
};

const BY_ROLE: Record<StaffRole, NavName[]> = {
  admin: ["home", "staff", "departments", "settings"],
  reception: ["home"],
  doctor: ["home"],
};

export function navItemsFor(role: StaffRole | null | undefined): NavItem[] {
  if (!role || !(role in BY_ROLE)) return [];
  return BY_ROLE[role].map((name) => {
    const item = { ...ALL[name] };
    if (name === "home" && role === "reception") item.label = "Today";
    return item;
  });
}

export function canVisit(role: StaffRole | null | undefined, name: string): boolean {
  return navItemsFor(role).some((i) => i.name === name);
}

export const ROLE_LABELS: Record<StaffRole, string> = {
  admin: "Admin",
  doctor: "Doctor",
  reception: "Reception",
};
