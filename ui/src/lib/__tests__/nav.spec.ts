import { describe, expect, it } from "vitest";
import { canVisit, homeFor, navItemsFor } from "../nav";

const names = (r: Parameters<typeof navItemsFor>[0]) => navItemsFor(r).map((i) => i.name);

describe("navItemsFor", () => {
  it("gives admins every screen, home first, scheduling before administration, then jobs, outbox, reports and the waitlist", () => {
    expect(names("admin")).toEqual([
      "home", "today", "patients", "book", "calendar", "doctors", "staff", "departments", "types", "settings", "jobs", "outbox",
      "reports", "waitlist", "noshows",
    ]);
    expect(navItemsFor("admin").slice(-4).map((i) => [i.label, i.path])).toEqual([
      ["Outbox", "/outbox"], ["Reports", "/reports"], ["Waitlist", "/waitlist"], ["No-shows", "/no-shows"],
    ]);
    expect(homeFor("admin")).toBe("home");
    expect(canVisit("admin", "availability")).toBe(true);
  });

  it("gives reception the front desk (Today first, its home) and never administration", () => {
    const items = navItemsFor("reception");
    // the waitlist and the no-shows last: the Alt+1–4 shortcuts the desk learned stay where they were
    expect(items.map((i) => i.name)).toEqual(["today", "patients", "book", "calendar", "waitlist", "noshows"]);
    expect(items[0].label).toBe("Today");
    expect(items[0].path).toBe("/today");
    expect(homeFor("reception")).toBe("today");
    for (const n of ["home", "settings", "staff", "doctors", "departments", "availability", "jobs", "outbox", "reports"])
      expect(canVisit("reception", n)).toBe(false);
  });

  it("gives doctors My week, Patients, Availability and their Reports (not jobs or the outbox)", () => {
    const items = navItemsFor("doctor");
    expect(items.map((i) => i.name)).toEqual(["calendar", "patients", "availability", "reports", "noshows"]);
    expect(canVisit("doctor", "reports")).toBe(true);
    expect(canVisit("doctor", "jobs")).toBe(false);
    expect(canVisit("doctor", "outbox")).toBe(false);
    expect(items[0].label).toBe("My week");
    expect(homeFor("doctor")).toBe("calendar");
    expect(canVisit("doctor", "departments")).toBe(false);
    expect(canVisit("reception", "types")).toBe(false);
    expect(canVisit("doctor", "types")).toBe(false);
    expect(canVisit("admin", "types")).toBe(true);
    expect(canVisit("doctor", "book")).toBe(false);
    expect(canVisit("doctor", "today")).toBe(false);
    expect(canVisit("doctor", "waitlist")).toBe(false);
    expect(canVisit("doctor", "availability")).toBe(true);
  });

  it("gives nobody anything without a role", () => {
    expect(navItemsFor(null)).toEqual([]);
    expect(navItemsFor(undefined)).toEqual([]);
    expect(canVisit(null, "home")).toBe(false);
    expect(canVisit(null, "availability")).toBe(false);
  });

  it("returns fresh objects so callers cannot corrupt the table", () => {
    navItemsFor("doctor")[0].label = "Changed";
    expect(navItemsFor("admin").find((i) => i.name === "calendar")!.label).toBe("Calendar");
    expect(navItemsFor("doctor")[0].label).toBe("My week");
  });
});
