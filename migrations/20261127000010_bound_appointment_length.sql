-- An appointment lasts at most a day (slots are 5–240 minutes). With that bound, "what overlaps [from, to)" reads
-- only appointments starting after `from - 1 day` through the starts_at index, instead of a doctor's whole history.
ALTER TABLE appointments
  ADD CONSTRAINT appointments_length CHECK (ends_at - starts_at <= interval '1 day');
