/** Notification channels (email, SMS, Google Chat): settings without secrets, saving, and test messages (admin only). */
import { defineStore } from "pinia";
import { ref } from "vue";
import { api, type Channel, type ChannelSettings, type ChannelSettingsInput } from "../api";

export const useChannelsStore = defineStore("channels", () => {
  const settings = ref<ChannelSettings | null>(null);

  async function load(): Promise<ChannelSettings> {
    settings.value = await api.getChannelSettings();
    return settings.value;
  }

  async function save(input: ChannelSettingsInput): Promise<ChannelSettings> {
    settings.value = await api.updateChannelSettings(input);
    return settings.value;
  }

  /** Sends one test message with the form's (unsaved) settings; resolves to the backend's success sentence. */
  function sendTest(channel: Channel, input: ChannelSettingsInput, recipient: string): Promise<string> {
    return api.sendTestMessage(channel, input, channel === "chat" ? "" : recipient.trim());
  }

  return { settings, load, save, sendTest };
});
