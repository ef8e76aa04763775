/**
 * ECharts options for the admin dashboard, built from the backend's numbers (pure, so they are unit-tested),
 * and where a click on a chart segment leads.
 */
import type { AdminDashboard } from "../api";
import type { RouteLocationRaw } from "vue-router";
import { t } from "../i18n";
import { intlTag } from "../i18n/format";

/** Colours with ≥ 3:1 contrast on white, one per status. */
export const STATUS_COLOURS = {
  booked: "#1d4ed8",
  checked_in: "#7c3aed",
  completed: "#15803d",
  cancelled: "#6b7280",
  no_show: "#b91c1c",
} as const;

/** A status's name in the clinic's language (the charts' labels; they follow a language switch when rebuilt). */
export function statusLabel(s: keyof typeof STATUS_COLOURS): string {
  return t(`dashboard.status.${s}`);
}

/** "2026-11-18" → "18 Nov" ("Nov 18" in US English, "18 nov" in Spanish): the clinic's language. */
export function shortDate(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(intlTag(), { day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** 12.5 → "12.5%" ("12,5 %" in Spanish): a chart value already in percent. */
export function percentValue(v: number): string {
  return new Intl.NumberFormat(intlTag(), { style: "percent", maximumFractionDigits: 1 }).format(v / 100);
}

/** A percent axis label in the clinic's language. */
const axisPercent = (v: number) => percentValue(v);

export function perDayOption(d: AdminDashboard) {
  return {
    aria: { enabled: true },
    tooltip: { trigger: "axis" },
    legend: { data: [t("dashboard.chart.appointments"), t("dashboard.chart.cancelled")] },
    grid: { left: 40, right: 16, top: 40, bottom: 40 },
    xAxis: { type: "category", data: d.per_day.map((p) => shortDate(p.date)) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        name: t("dashboard.chart.appointments"),
        type: "bar",
        stack: "day",
        data: d.per_day.map((p) => p.appointments),
        itemStyle: { color: STATUS_COLOURS.booked },
        markLine: { symbol: "none", data: [{ xAxis: shortDate(d.today), name: t("dashboard.chart.today") }], label: { formatter: t("dashboard.chart.today") } },
      },
      { name: t("dashboard.chart.cancelled"), type: "bar", stack: "day", data: d.per_day.map((p) => p.cancelled), itemStyle: { color: STATUS_COLOURS.cancelled } },
    ],
  };
}

export function departmentOption(d: AdminDashboard) {
  return {
    aria: { enabled: true },
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [
      {
        name: t("dashboard.chart.by_department"),
        type: "pie",
        stillShowZeroSum: false,
        radius: ["40%", "70%"],
        data: d.by_department.map((x) => ({ name: x.department_name, value: x.appointments, id: x.department_id })),
      },
    ],
  };
}

export function statusOption(d: AdminDashboard) {
  const keys = Object.keys(STATUS_COLOURS) as (keyof typeof STATUS_COLOURS)[];
  return {
    aria: { enabled: true },
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [
      {
        name: t("dashboard.chart.status"),
        type: "pie",
        stillShowZeroSum: false,
        radius: "70%",
        data: keys
          .filter((k) => d.status_breakdown[k] > 0)
          .map((k) => ({ name: statusLabel(k), value: d.status_breakdown[k], itemStyle: { color: STATUS_COLOURS[k] } })),
      },
    ],
  };
}

export function noShowOption(d: AdminDashboard) {
  return {
    aria: { enabled: true },
    tooltip: { trigger: "axis", valueFormatter: percentValue },
    grid: { left: 48, right: 16, top: 24, bottom: 40 },
    xAxis: { type: "category", data: d.no_show_trend.map((w) => shortDate(w.week_start)) },
    yAxis: { type: "value", axisLabel: { formatter: axisPercent }, min: 0 },
    series: [
      {
        name: t("dashboard.chart.no_show_rate"),
        type: "line",
        data: d.no_show_trend.map((w) => Math.round((w.rate ?? 0) * 1000) / 10),
        itemStyle: { color: STATUS_COLOURS.no_show },
      },
    ],
  };
}

export function utilisationOption(d: AdminDashboard) {
  return {
    aria: { enabled: true },
    tooltip: { trigger: "axis", valueFormatter: percentValue },
    grid: { left: 140, right: 24, top: 16, bottom: 32 },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: axisPercent } },
    yAxis: { type: "category", data: d.utilisation.map((u) => u.doctor_name) },
    series: [
      {
        name: t("dashboard.chart.utilisation"),
        type: "bar",
        data: d.utilisation.map((u) => Math.round((u.utilisation ?? 0) * 1000) / 10),
        itemStyle: { color: STATUS_COLOURS.completed },
      },
    ],
  };
}

export function newPatientsOption(d: AdminDashboard) {
  return {
    aria: { enabled: true },
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 16, top: 24, bottom: 40 },
    xAxis: { type: "category", data: d.new_patients.map((w) => shortDate(w.week_start)) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: t("dashboard.chart.new_patients"), type: "bar", data: d.new_patients.map((w) => w.count), itemStyle: { color: STATUS_COLOURS.checked_in } }],
  };
}

export type ChartName = "per_day" | "department" | "utilisation";

/** Where a click on a segment leads: a department → its doctors; a doctor → their calendar; a day → that day's list. */
export function drillDown(d: AdminDashboard, chart: ChartName, dataIndex: number): RouteLocationRaw | { day: string } | null {
  if (chart === "department") {
    const dep = d.by_department[dataIndex];
    return dep ? { name: "doctors", query: { department: String(dep.department_id) } } : null;
  }
  if (chart === "utilisation") {
    const u = d.utilisation[dataIndex];
    return u ? { name: "calendar", query: { doctor: String(u.doctor_id) } } : null;
  }
  const day = d.per_day[dataIndex];
  return day ? { day: day.date } : null;
}

/** Percent with one decimal, for the tables beside the charts. */
export function percent(x: number): string {
  return new Intl.NumberFormat(intlTag(), { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x);
}
