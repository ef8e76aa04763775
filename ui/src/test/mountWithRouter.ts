import { flushPromises, mount } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { createMemoryHistory, createRouter } from "vue-router";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import ConfirmationService from "primevue/confirmationservice";
import { installFocusGuard } from "../lib/focus";

/**
 * Mounts a page (attached to document.body) with a fresh Pinia, PrimeVue (unstyled), toasts, confirmations and a
 * memory router whose routes all render a stub, and the focus guard main.ts installs; navigates to `path` first
 * (a new screen) and flushes promises after mounting.
 * `beforeMount` runs once Pinia is active (e.g. to put a session in the store).
 */
export async function mountWithRouter(
  component: object,
  { path = "/", routes, beforeMount }: { path?: string; routes: { path: string; name?: string }[]; beforeMount?: () => void },
) {
  const pinia = createPinia();
  setActivePinia(pinia);
  beforeMount?.();
  const stub = { template: "<div/>" };
  const router = createRouter({ history: createMemoryHistory(), routes: routes.map((r) => ({ ...r, component: stub })) });
  installFocusGuard(router);
  await router.push(path);
  const w = mount(component, {
    attachTo: document.body,
    global: { plugins: [pinia, router, [PrimeVue, { unstyled: true }], ToastService, ConfirmationService] },
  });
  await flushPromises();
  return { w, router };
}
