/** Imported first by main.ts, so keys are kept from the moment the page's script starts (see earlyKeys.ts). */
import { keepEarlyKeys } from "./earlyKeys";

keepEarlyKeys();
