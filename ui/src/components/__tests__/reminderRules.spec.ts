import { beforeEach, describe, expect, it, vi } from "vitest";
import { flushPromises, mount, type VueWrapper } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, [
    "listReminderRules", "getQuietHours", "addReminderRule", "removeReminderRule", "setQuietHours",
  ]));

import { api, ApiError, type ReminderRule } from "../../api";
import { apiMocks } from "../../test/apiMock";
import { seriousAxeFindings } from "../../test/axe";
import ReminderRules from "../ReminderRules.vue";
import { leadText, ruleText } from "../../lib/reminderRules";

const m = apiMocks(api);
const twoHours: ReminderRule = { id: 1, kind: "lead", lead_minutes: 120, local_time: null, channel: "both" };
const evening: ReminderRule = { id: 2, kind: "evening_before", lead_minutes: null, local_time: "18:00:00", channel: "sms" };

async function mountIt() {
  setActivePinia(createPinia());
  const w = mount(ReminderRules, {
    attachTo: document.body,
    global: { plugins: [[PrimeVue, { unstyled: true }], ToastService] as never[] },
  });
  await flushPromises();
  return w;
}
const byId = (w: VueWrapper, id: string) => w.find(`#${id}`);
function describedText(w: VueWrapper, controlId: string) {
  const ids = (byId(w, controlId).attributes("aria-describedby") ?? "").split(" ").filter(Boolean);
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" | ");
}

describe("reminder rule wording", () => {
  it("says lead times in the largest whole unit and names the channels", () => {
    expect(leadText(2880)).toBe("2 days");
    expect(leadText(120)).toBe("2 hours");
    expect(leadText(90)).toBe("90 minutes");
    expect(leadText(1)).toBe("1 minute");
    expect(ruleText(twoHours)).toBe("2 hours before, by email and SMS");
    expect(ruleText(evening)).toBe("The evening before at 18:00, by SMS");
  });
});

describe("ReminderRules", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    m.listReminderRules.mockResolvedValue([twoHours, evening]);
    m.getQuietHours.mockResolvedValue({ start: "21:00:00", end: "08:00:00" });
  });

  it("lists the rules and the quiet hours, with no serious axe findings", async () => {
    const w = await mountIt();
    const items = w.findAll('[data-testid="rule-item"]').map((i) => i.text());
    expect(items[0]).toContain("2 hours before, by email and SMS");
    expect(items[1]).toContain("The evening before at 18:00, by SMS");
    expect(w.find('[data-testid="rule-remove-1"]').attributes("aria-label")).toBe("Remove reminder: 2 hours before, by email and SMS");
    expect((byId(w, "quiet-quiet_start").element as HTMLInputElement).value).toBe("21:00");
    expect((byId(w, "quiet-quiet_end").element as HTMLInputElement).value).toBe("08:00");
    expect(await seriousAxeFindings(w.element)).toEqual([]);
    w.unmount();
  });

  it("adds a lead-time rule in minutes, and an evening-before rule with its time", async () => {
    const added: ReminderRule = { id: 3, kind: "lead", lead_minutes: 2880, local_time: null, channel: "email" };
    m.addReminderRule.mockResolvedValueOnce(added);
    const w = await mountIt();
    m.listReminderRules.mockResolvedValueOnce([added, twoHours, evening]);
    await byId(w, "rule-amount").setValue("2");
    await byId(w, "rule-unit").setValue("days");
    await byId(w, "rule-channel").setValue("email");
    await w.find('[data-testid="rule-add"]').trigger("submit");
    await flushPromises();
    expect(m.addReminderRule).toHaveBeenLastCalledWith({ kind: "lead", lead_minutes: 2880, local_time: null, channel: "email" });
    expect(w.findAll('[data-testid="rule-item"]')).toHaveLength(3);

    m.addReminderRule.mockResolvedValueOnce({ ...evening, id: 4, local_time: "19:30:00", channel: "both" });
    await byId(w, "rule-kind-evening").setValue(true);
    await byId(w, "rule-local_time").setValue("19:30");
    await byId(w, "rule-channel").setValue("both");
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(m.addReminderRule).toHaveBeenLastCalledWith({ kind: "evening_before", lead_minutes: null, local_time: "19:30:00", channel: "both" });
    w.unmount();
  });

  it("refuses a lead of 0 or over 14 days as a field error without calling the backend, and puts the cursor there", async () => {
    const w = await mountIt();
    for (const [amount, unit, says] of [["0", "minutes", "at least 1 minute"], ["15", "days", "at most 14 days"], ["", "hours", "how long"]]) {
      await byId(w, "rule-amount").setValue(amount);
      await byId(w, "rule-unit").setValue(unit);
      await w.find("form").trigger("submit");
      await flushPromises();
      expect(byId(w, "rule-amount").attributes("aria-invalid")).toBe("true");
      expect(describedText(w, "rule-amount")).toContain(says);
      expect(document.activeElement?.id).toBe("rule-amount");
    }
    expect(m.addReminderRule).not.toHaveBeenCalled();
    w.unmount();
  });

  it("shows the backend's field errors by their fields (a duplicate rule, a lead out of range)", async () => {
    const w = await mountIt();
    m.addReminderRule.mockRejectedValueOnce(new ApiError("Validation", "That reminder rule exists already.", "kind"));
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(describedText(w, "rule-kind")).toContain("That reminder rule exists already.");
    m.addReminderRule.mockRejectedValueOnce(new ApiError("Validation", "A reminder can come at most 14 days before the appointment.", "lead_minutes"));
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(describedText(w, "rule-amount")).toContain("at most 14 days");
    m.addReminderRule.mockRejectedValueOnce(new ApiError("PermissionDenied", "Only an administrator can change reminder rules."));
    await w.find("form").trigger("submit");
    await flushPromises();
    expect(w.find('[data-testid="rule-error"]').text()).toBe("Only an administrator can change reminder rules.");
    w.unmount();
  });

  it("removes a rule by keyboard and keeps the cursor in the section", async () => {
    m.removeReminderRule.mockResolvedValueOnce(null);
    const w = await mountIt();
    const remove = w.find('[data-testid="rule-remove-2"]');
    (remove.element as HTMLElement).focus();
    await remove.trigger("click");
    await flushPromises();
    expect(m.removeReminderRule).toHaveBeenCalledWith(2);
    expect(w.findAll('[data-testid="rule-item"]').map((i) => i.text()).join()).not.toContain("evening");
    expect(document.activeElement?.id).toBe("reminder-rules-list");
    w.unmount();
  });

  it("refuses quiet hours that cover the whole day or give one time only; saves and clears them", async () => {
    const w = await mountIt();
    await byId(w, "quiet-quiet_end").setValue("21:00");
    await w.find('[data-testid="quiet-save"]').trigger("submit");
    await flushPromises();
    expect(describedText(w, "quiet-quiet_end")).toContain("cannot cover the whole day");
    expect(document.activeElement?.id).toBe("quiet-quiet_end");
    await byId(w, "quiet-quiet_start").setValue("");
    await w.findAll("form")[1].trigger("submit");
    await flushPromises();
    expect(describedText(w, "quiet-quiet_start")).toContain("Enter when quiet hours start");
    expect(m.setQuietHours).not.toHaveBeenCalled();

    m.setQuietHours.mockResolvedValueOnce({ start: "22:00:00", end: "07:00:00" });
    await byId(w, "quiet-quiet_start").setValue("22:00");
    await byId(w, "quiet-quiet_end").setValue("07:00");
    await w.findAll("form")[1].trigger("submit");
    await flushPromises();
    expect(m.setQuietHours).toHaveBeenLastCalledWith({ start: "22:00:00", end: "07:00:00" });
    expect(byId(w, "quiet-quiet_end").attributes("aria-invalid")).toBe("false");

    m.setQuietHours.mockResolvedValueOnce({ start: null, end: null });
    await w.find('[data-testid="quiet-clear"]').trigger("click");
    await flushPromises();
    expect(m.setQuietHours).toHaveBeenLastCalledWith({ start: null, end: null });
    expect((byId(w, "quiet-quiet_start").element as HTMLInputElement).value).toBe("");
    w.unmount();
  });
});
