import { afterEach, describe, expect, it } from "vitest";
import { mount } from "@vue/test-utils";
import StatusBadge from "../StatusBadge.vue";
import { STATUS_LABELS, statusLabel } from "../../lib/appointments";
import { applyLocale, DEFAULT_LOCALE } from "../../i18n/format";

afterEach(() => applyLocale(DEFAULT_LOCALE));

describe("desk statuses in Spanish", () => {
  it("the badge shows the Spanish status and flags", async () => {
    applyLocale({ language: "es" });
    const w = mount(StatusBadge, { props: { status: "booked", late: true, overbooked: true } });
    expect(w.text()).toBe("Reservada · Con retraso · Sobrecupo");
  });

  it("the label table follows a language switch", () => {
    expect(STATUS_LABELS.checked_in).toBe("Checked in");
    applyLocale({ language: "es" });
    expect(STATUS_LABELS.checked_in).toBe("En sala de espera");
    expect(statusLabel("no_show")).toBe("No se presentó");
    expect(Object.keys(STATUS_LABELS)).toHaveLength(5);
  });
});
