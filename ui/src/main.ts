import { createApp } from "vue";
import { createPinia } from "pinia";
import PrimeVue from "primevue/config";
import ToastService from "primevue/toastservice";
import ConfirmationService from "primevue/confirmationservice";
import { ClinicPreset } from "./theme";
import "primeicons/primeicons.css";
import "./styles.css";
import App from "./App.vue";
import { createAppRouter } from "./router";

const app = createApp(App);
app.use(createPinia());
app.use(createAppRouter());
app.use(PrimeVue, { theme: { preset: ClinicPreset, options: { darkModeSelector: false } } });
app.use(ToastService);
app.use(ConfirmationService);
app.mount("#app");
