import { describe, expect, it } from "vitest";
import { canVisit, navItemsFor } from "../nav";

const names = (r: Parameters<typeof navItemsFor>[0]) => navItemsFor(r).map((i) => i.name);

describe("navItemsFor", () => {
  it("gives admins every screen, home first", () => {
    expect(names("admin")).toEqual(["home", "staff", "departments", "settings"]);
  });

  it("gives reception only Home, labelled Today, and never Settings", () => {
    const items = navItemsFor("reception");
    expect(items.map((i) => i.name)).toEqual(["home"]);
    expect(items[0].label).toBe("Today");
    expect(canVisit("reception", "settings")).toBe(false);
    expect(canVisit("reception", "staff")).toBe(false);
  });

  it("gives doctors only Home", () => {
    expect(names("doctor")).toEqual(["home"]);
    expect(canVisit("doctor", "departments")).toBe(false);
    expect(canVisit("doctor", "home")).toBe(true);
  });

  it("gives nobody anything without a role", () => {
    expect(navItemsFor(null)).toEqual([]);
    expect(navItemsFor(undefined)).toEqual([]);
    expect(canVisit(null, "home")).toBe(false);
  });

  it("returns fresh objects so callers cannot corrupt the table", () => {
    navItemsFor("reception")[0].label = "Changed";
    expect(navItemsFor("admin")[0].label).toBe("Home");
    expect(navItemsFor("reception")[0].label).toBe("Today");
  });
});
