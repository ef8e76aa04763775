import { describe, expect, it, vi } from "vitest";
import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import ConfirmationService from "primevue/confirmationservice";

vi.mock("../../api", async (importOriginal) =>
  (await import("../../test/apiMock")).mockApiModule(importOriginal, ["passwordStrength"], {
    listStaff: vi.fn().mockResolvedValue([
      { id: 1, username: "admin", full_name: "Ada Admin", role: "admin", active: true, created_at: "2025-01-01T00:00:00Z" },
      { id: 2, username: "drrao", full_name: "Dr Rao", role: "doctor", active: false, created_at: "2025-01-02T00:00:00Z" },
    ]),
  }));

import StaffPage from "../StaffPage.vue";

describe("StaffPage", () => {
  it("renders one row per staff member with a staff-row-<username> test id", async () => {
    const pinia = createPinia();
    setActivePinia(pinia);
    const w = mount(StaffPage, { global: { plugins: [pinia, [PrimeVue, { unstyled: true }], ToastService, ConfirmationService] } });
    await flushPromises();
    const admin = w.find('[data-testid="staff-row-admin"]');
    const rao = w.find('[data-testid="staff-row-drrao"]');
    expect(admin.exists()).toBe(true);
    expect(admin.element.tagName).toBe("TR");
    expect(admin.text()).toContain("Ada Admin");
    expect(rao.text()).toContain("Doctor");
    expect(rao.text()).toContain("Inactive");
    expect(w.find('[data-testid="staff-new"]').exists()).toBe(true);
    w.unmount();
  });
});
