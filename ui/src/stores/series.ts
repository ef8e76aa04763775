/** A recurring series being planned from the Book page: its preview, the desk's choices per visit, and saving it. */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api, type Appointment, type Occurrence, type RepeatUnit, type SeriesRequest, type Slot } from "../api";

/** What the desk chose for one previewed visit: take it as planned, take the alternative offered, or skip it. */
export type SeriesChoice = "take" | "alternative" | "skip";

export const useSeriesStore = defineStore("series", () => {
  const every = ref(1);
  const unit = ref<RepeatUnit>("weeks");
  const weekdays = ref<number[]>([]);
  /** The series ends after `count` visits or on `until`, whichever `ends` says. */
  const ends = ref<"count" | "until">("count");
  const count = ref<number | null>(6);
  const until = ref("");
  const occurrences = ref<Occurrence[]>([]);
  const choices = ref<SeriesChoice[]>([]);
  /** The request the preview shown was made for (booking sends this one, not the form as edited since). */
  let previewed: SeriesRequest | null = null;

  function reset() {
    every.value = 1;
    unit.value = "weeks";
    weekdays.value = [];
    ends.value = "count";
    count.value = 6;
    until.value = "";
    occurrences.value = [];
    choices.value = [];
    previewed = null;
  }

  function request(base: { doctor_id: number; patient_id: number; type_id: number | null; reason: string; first_start: string }): SeriesRequest {
    return {
      ...base,
      every: every.value,
      unit: unit.value,
      weekdays: unit.value === "weeks" ? [...weekdays.value].sort((a, b) => a - b) : [],
      count: ends.value === "count" ? count.value : null,
      until: ends.value === "until" ? until.value || null : null,
    };
  }

  /** Loads the preview; free visits start ticked, conflicts start skipped. Throws the api's error. */
  async function preview(req: SeriesRequest) {
    const res = await api.previewSeries(req);
    previewed = req;
    occurrences.value = res;
    choices.value = res.map((o) => (o.slot && !o.conflict ? "take" : "skip"));
  }

  /** The slot a choice books, or null (skipped, or nothing to book). */
  function chosenSlot(i: number): Slot | null {
    const o = occurrences.value[i];
    const c = choices.value[i];
    if (!o) return null;
    if (c === "take" && !o.conflict) return o.slot;
    if (c === "alternative") return o.alternative;
    return null;
  }

  const starts = computed(() =>
    occurrences.value.map((_, i) => chosenSlot(i)?.starts_at ?? null).filter((s): s is string => s !== null),
  );

  /** Books the chosen visits of the previewed series, all or none. Throws the api's error (choices are kept). */
  async function book(): Promise<Appointment[]> {
    if (!previewed) throw new Error("Preview the series first.");
    return api.bookSeries(previewed, starts.value);
  }

  return { every, unit, weekdays, ends, count, until, occurrences, choices, starts, reset, request, preview, chosenSlot, book };
});
