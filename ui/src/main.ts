// first: keys typed while the window opens are kept for the sign-in form (see lib/earlyKeys.ts)
import "./lib/earlyKeysStart";
import { createApp } from "vue";
import { createPinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import ConfirmationService from "primevue/confirmationservice";
import { ClinicPreset } from "./theme";
import "primeicons/primeicons.css";
import "./styles.css";
import App from "./App.vue";
import { i18n } from "./i18n";
import { restoreLocale } from "./i18n/format";
import { createAppRouter } from "./router";
import { installFocusGuard } from "./lib/focus";
import { takeEarlyKeys } from "./lib/earlyKeys";

const app = createApp(App);
const router = createAppRouter();
installFocusGuard(router);
// early keys are for the sign-in form only: on any other first screen they are dropped and no longer kept
router.afterEach((to) => {
  if (to.name !== "signin") takeEarlyKeys();
});
restoreLocale();
app.use(i18n);
app.use(createPinia());
app.use(router);
app.use(PrimeVue, { theme: { preset: ClinicPreset, options: { darkModeSelector: false } } });
app.use(ToastService);
app.use(ConfirmationService);
app.mount("#app");
