/**
 * Aura, darkened where its defaults miss WCAG AA contrast (primary emerald-500 and red-500 on white
 * are ~2.5:1 and ~3.8:1; message text at -600 on tinted backgrounds is below 4.5:1; form field borders at
 * surface-300 and the "off" toggle track at surface-300 are ~1.5:1, under the 3:1 for controls — now surface-500).
 */
import { definePreset } from "@primevue/themes";
import Aura from "@primevue/themes/aura";

const shades = [50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950] as const;
const palette = (name: string) => Object.fromEntries(shades.map((s) => [s, `{${name}.${s}}`]));

const message = (c: string) => ({
  color: `{${c}.800}`,
  outlined: { color: `{${c}.800}`, borderColor: `{${c}.700}` },
  simple: { color: `{${c}.800}` },
});

export const ClinicPreset = definePreset(Aura, {
  semantic: {
    primary: palette("sky"),
    colorScheme: {
      light: {
        primary: { color: "{primary.800}", contrastColor: "#ffffff", hoverColor: "{primary.900}", activeColor: "{primary.950}" },
        formField: { borderColor: "{surface.500}", hoverBorderColor: "{surface.600}" },
      },
    },
  },
  components: {
    button: {
      colorScheme: {
        light: {
          root: {
            danger: {
              background: "{red.700}", hoverBackground: "{red.800}", activeBackground: "{red.900}",
              borderColor: "{red.700}", hoverBorderColor: "{red.800}", activeBorderColor: "{red.900}",
            },
            success: {
              background: "{green.700}", hoverBackground: "{green.800}", activeBackground: "{green.900}",
              borderColor: "{green.700}", hoverBorderColor: "{green.800}", activeBorderColor: "{green.900}",
            },
          },
          outlined: {
            danger: { color: "{red.700}", borderColor: "{red.300}" },
            secondary: { color: "{surface.700}", borderColor: "{surface.400}" },
            // green-500 text on white is ~2.3:1 (the board's "Complete"); green-700 is ~5:1
            success: { color: "{green.700}", borderColor: "{green.400}" },
          },
          text: { danger: { color: "{red.700}" }, secondary: { color: "{surface.700}" }, success: { color: "{green.700}" } },
        },
      },
    },
    toggleswitch: {
      colorScheme: { light: { root: { background: "{surface.500}", hoverBackground: "{surface.600}" } } },
    },
    message: {
      colorScheme: {
        light: { info: message("blue"), success: message("green"), warn: message("yellow"), error: message("red") },
      },
    },
  },
});
