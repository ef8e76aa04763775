import { describe, expect, it } from "vitest";
import {
  departmentOption, drillDown, noShowOption, percent, perDayOption, shortDate, statusOption, utilisationOption,
} from "../dashboardCharts";
import { dashboardFixture } from "../../test/dashboardFixture";

describe("dashboard charts", () => {
  const d = dashboardFixture();

  it("plots per-day appointments and cancellations stacked, with today marked", () => {
    const o = perDayOption(d);
    expect(o.xAxis.data).toEqual(["17 Nov", "18 Nov"]);
    expect(o.series[0].data).toEqual([2, 1]);
    expect(o.series[1].data).toEqual([0, 1]);
    expect(o.series[0].markLine?.data[0].xAxis).toBe("18 Nov");
    expect(o.aria.enabled).toBe(true);
  });

  it("shows departments, statuses, rates and utilisation in the backend's numbers", () => {
    expect(departmentOption(d).series[0].data.map((x) => [x.name, x.value])).toEqual([
      ["General Medicine", 5], ["Cardiology", 2],
    ]);
    expect(statusOption(d).series[0].data.map((x) => [x.name, x.value])).toEqual([
      ["Booked", 1], ["Completed", 4], ["Cancelled", 1], ["No-show", 2],
    ]);
    expect(noShowOption(d).series[0].data).toEqual([0, 33.3]);
    expect(utilisationOption(d).series[0].data).toEqual([1.3, 6.7]);
    expect(percent(2 / 30)).toBe("6.7%");
    expect(shortDate("2026-01-05")).toBe("5 Jan");
  });

  it("opens the matching list for a clicked segment", () => {
    expect(drillDown(d, "department", 1)).toEqual({ name: "doctors", query: { department: "9" } });
    expect(drillDown(d, "utilisation", 0)).toEqual({ name: "calendar", query: { doctor: "3" } });
    expect(drillDown(d, "per_day", 1)).toEqual({ day: "2026-11-18" });
    expect(drillDown(d, "department", 5)).toBeNull();
  });
});
