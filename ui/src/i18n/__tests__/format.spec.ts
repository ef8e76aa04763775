import { afterEach, describe, expect, it } from "vitest";
import { applyLocale, DEFAULT_LOCALE, formatDate, formatDateTime, formatTime, machineLocale, parseDate, parseTime, weekdayNames, type ClinicLocale } from "../format";
import { loadMessages } from "../index";

const es24: ClinicLocale = { language: "es", date_format: "dd/MM/yyyy", clock: "24h", first_day: 1 };
const us12: ClinicLocale = { language: "en", date_format: "MM/dd/yyyy", clock: "12h", first_day: 0 };

afterEach(() => applyLocale(DEFAULT_LOCALE));

describe("clinic locale formatting", () => {
  it("formats dates in each format", () => {
    expect(formatDate("2026-11-05", es24)).toBe("05/11/2026");
    expect(formatDate("2026-11-05", us12)).toBe("11/05/2026");
    expect(formatDate("2026-11-05", { ...es24, date_format: "dd.MM.yyyy" })).toBe("05.11.2026");
    expect(formatDate("2026-11-05", { ...es24, date_format: "yyyy-MM-dd" })).toBe("2026-11-05");
    expect(formatDate("", es24)).toBe("");
  });

  it("parses what a person types in the clinic's order, and ISO always", () => {
    expect(parseDate("5/11/2026", es24)).toBe("2026-11-05");
    expect(parseDate("11/5/2026", us12)).toBe("2026-11-05");
    expect(parseDate("05.11.2026", es24)).toBe("2026-11-05");
    expect(parseDate("2026-11-05", us12)).toBe("2026-11-05");
    expect(parseDate("31/02/2026", es24)).toBeNull(); // no 31 February
    expect(parseDate("13/13/2026", es24)).toBeNull();
    expect(parseDate("1/2/85", es24)).toBeNull(); // two-digit years are refused, not guessed
    expect(parseDate("05/11", es24)).toBeNull();
    expect(parseDate("", es24)).toBeNull();
  });

  it("formats times on both clocks and in both languages", () => {
    expect(formatTime("14:05:00", es24)).toBe("14:05");
    expect(formatTime("09:30", es24)).toBe("09:30");
    expect(formatTime("14:05", us12)).toBe("2:05 PM");
    expect(formatTime("00:15", us12)).toBe("12:15 AM");
    expect(formatTime("12:00", us12)).toBe("12:00 PM");
    applyLocale({ language: "es" });
    expect(formatTime("14:05", { ...es24, clock: "12h" })).toBe("2:05 p. m.");
  });

  it("parses times typed on either clock", () => {
    expect(parseTime("9:30")).toBe("09:30");
    expect(parseTime("930")).toBe("09:30");
    expect(parseTime("21.45")).toBe("21:45");
    expect(parseTime("9:30 pm")).toBe("21:30");
    expect(parseTime("12:10 AM")).toBe("00:10");
    expect(parseTime("2:05 p. m.")).toBe("14:05");
    expect(parseTime("24:00")).toBeNull();
    expect(parseTime("13:00 pm")).toBeNull();
    expect(parseTime("9:75")).toBeNull();
  });

  it("formats an instant on the clinic's wall clock", () => {
    expect(formatDateTime("2026-07-01T12:30:00Z", "Europe/Madrid", es24)).toBe("01/07/2026 14:30");
    expect(formatDateTime("2026-07-01T12:30:00Z", "America/New_York", us12)).toBe("07/01/2026 8:30 AM");
  });

  it("names weekdays Monday-first in the clinic's language", () => {
    expect(weekdayNames("long", es24)[0].toLowerCase()).toBe("lunes");
    expect(weekdayNames("long", us12)[6]).toBe("Sunday");
  });

  it("takes a new clinic's defaults from the PC", () => {
    expect(machineLocale({ language: "en-US" })).toMatchObject({ language: "en", date_format: "MM/dd/yyyy", clock: "12h", first_day: 0 });
    expect(machineLocale({ language: "es-ES" })).toMatchObject({ language: "es", date_format: "dd/MM/yyyy", clock: "24h", first_day: 1 });
  });

  it("ignores unknown values when applying a saved locale", () => {
    applyLocale({ language: "fr", date_format: "yy/m/d", clock: "25h", first_day: 3 });
    expect(formatDate("2026-11-05")).toBe("05/11/2026");
  });

  it("loads each language's areas from their files", () => {
    const m = loadMessages({ "./locales/es/common.json": { default: { save: "Guardar" } }, "./locales/fr/common.json": { default: {} } });
    expect(m.es).toEqual({ common: { save: "Guardar" } });
    expect(Object.keys(m)).toEqual(["en", "es"]);
  });
});
