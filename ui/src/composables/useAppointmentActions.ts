/** Check in / no-show / complete / cancel / reschedule, shared by the patient chart and the Today board. */
import { ref } from "vue";
import { useRouter } from "vue-router";
import { useToast } from "primevue/usetoast";
import { api, type Appointment, errorMessage } from "../api";
import type { ApptAction } from "../lib/appointments";
import { STATUS_LABELS } from "../lib/appointments";
import { t } from "../i18n";
import { formatDate, formatTime } from "../i18n/format";

export function useAppointmentActions(onChanged: (a: Appointment | null) => void | Promise<void>) {
  const router = useRouter();
  const toast = useToast();
  const busy = ref(false);
  const cancelTarget = ref<Appointment | null>(null);

  async function run(call: () => Promise<Appointment>) {
    busy.value = true;
    try {
      const a = await call();
      toast.add({ severity: "success", summary: STATUS_LABELS[a.status], detail: `${a.patient_name} · ${formatTime(a.time)}`, life: 2500 });
      await onChanged(a);
    } catch (e) {
      toast.add({ severity: "error", summary: t("actions.failed"), detail: errorMessage(e), life: 6000 });
      await onChanged(null);
    } finally {
      busy.value = false;
    }
  }

  function perform(kind: ApptAction, a: Appointment) {
    switch (kind) {
      case "checkin":
        return run(() => api.checkIn(a.id));
      case "noshow":
        return run(() => api.markNoShow(a.id));
      case "complete":
        return run(() => api.completeAppointment(a.id));
      case "cancel":
        cancelTarget.value = a;
        return;
      case "reschedule":
        return router.push({
          name: "book",
          query: {
            reschedule: String(a.id), doctor: String(a.doctor_id), patient: String(a.patient_id),
            ...(a.type_id !== null ? { type: String(a.type_id) } : {}),
          },
        });
    }
  }

  /** After the cancel dialog: `count` > 1 when later visits of a series were cancelled with it. */
  async function cancelled(a: Appointment, count = 1) {
    cancelTarget.value = null;
    const [summary, detail] =
      count > 1
        ? [t("actions.cancelled_many", { n: count }, count), t("actions.cancelled_from", { patient: a.patient_name, date: formatDate(a.date), time: formatTime(a.time) })]
        : [t("actions.cancelled"), `${a.patient_name} · ${formatTime(a.time)}`];
    toast.add({ severity: "success", summary, detail, life: 2500 });
    await onChanged(a);
  }

  return { busy, cancelTarget, perform, cancelled };
}
