/* ESP32-only extras of the platform layer (mote_platform.h). */
#ifndef MOTE_PLATFORM_ESP32_H
#define MOTE_PLATFORM_ESP32_H

#include <stdint.h>

/* Configures the marker GPIO (CONFIG_MOTE_MARKER_GPIO) as an output, low. Returns 0, or -1 when
 * the pin cannot drive an output on this chip (the message is printed). */
int mote_esp32_platform_init(void);

/* The blob mote_platform_read_blob serves (the flash-resident array of model_data.h). */
void mote_esp32_set_blob(const uint8_t *blob, uint32_t size);

#endif /* MOTE_PLATFORM_ESP32_H */
