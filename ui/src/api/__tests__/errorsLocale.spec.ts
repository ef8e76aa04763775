import { afterEach, describe, expect, it } from "vitest";
import { ApiError, errorMessage } from "..";
import { applyLocale, DEFAULT_LOCALE } from "../../i18n/format";

afterEach(() => applyLocale(DEFAULT_LOCALE));

const err = (code: string | null, message: string, params: Record<string, string> = {}) =>
  ({ status: "error", kind: "Validation", message, field: "offers", code, params });

describe("backend sentences in the clinic's language", () => {
  it("renders a catalogued code with its parameters in Spanish, and keeps the English for the log", () => {
    applyLocale({ language: "es" });
    const e = ApiError.from(err("appointment_type_longer_than_sessions",
      "Physio takes 90 minutes, longer than any of Dr. Rao's weekly sessions (60 minutes at most).",
      { name: "Physio", minutes: "90", doctor: "Dr. Rao", longest: "60" }));
    expect(e.message).toBe("Physio ocupa 90 minutos, más que cualquiera de las sesiones semanales de Dr. Rao (60 minutos como máximo).");
    expect(e.english).toContain("longer than any");
    expect(e.field).toBe("offers");
  });

  it("shows the English sentence in English, for an unknown code and for none", () => {
    expect(ApiError.from(err("settings_clock_check", "Choose a 24-hour or 12-hour clock.")).message)
      .toBe("Choose a 24-hour or 12-hour clock.");
    applyLocale({ language: "es" });
    expect(ApiError.from(err("settings_clock_check", "Choose a 24-hour or 12-hour clock.")).message)
      .toBe("Elija un reloj de 24 horas o de 12 horas.");
    expect(ApiError.from(err("no_such_code", "A sentence from a newer backend.")).message).toBe("A sentence from a newer backend.");
    expect(ApiError.from(err(null, "An uncatalogued sentence.")).message).toBe("An uncatalogued sentence.");
  });

  it("says the generic sentence in the clinic's language for raw failures", () => {
    applyLocale({ language: "es" });
    const m = errorMessage(new TypeError("x is undefined"));
    expect(m).not.toContain("undefined");
    expect(m).not.toBe("Something went wrong; try again. Details are in the log.");
  });
});
