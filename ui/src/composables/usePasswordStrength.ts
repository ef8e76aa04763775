/** Debounced password strength from the backend (same rules it enforces on save). */
import { ref, watch, onScopeDispose, getCurrentScope, type Ref } from "vue";
import { api, type PasswordStrength } from "../api";

export function usePasswordStrength(password: Ref<string>, delayMs = 250) {
  const strength = ref<PasswordStrength | null>(null);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;

  watch(password, (value) => {
    if (timer) clearTimeout(timer);
    const mine = ++seq;
    if (!value) {
      strength.value = null;
      return;
    }
    timer = setTimeout(async () => {
      try {
        const s = await api.passwordStrength(value);
        if (mine === seq) strength.value = s;
      } catch {
        if (mine === seq) strength.value = null;
      }
    }, delayMs);
  });

  if (getCurrentScope())
    onScopeDispose(() => {
      if (timer) clearTimeout(timer);
    });

  return { strength };
}
