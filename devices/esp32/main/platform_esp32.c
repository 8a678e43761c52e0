/* The ESP32 platform layer (ESP-IDF): esp_timer clock, a GPIO marker, the console, the blob. */
#include <stdio.h>
#include <string.h>

#include "driver/gpio.h"
#include "esp_timer.h"
#include "sdkconfig.h"

#include "mote_platform.h"
#include "platform_esp32.h"

static const uint8_t *blob_bytes;
static uint32_t blob_size;
static int marker_ok;

int mote_esp32_platform_init(void)
{
#if CONFIG_MOTE_MARKER_GPIO >= 0
    gpio_config_t io;
    if (!GPIO_IS_VALID_OUTPUT_GPIO(CONFIG_MOTE_MARKER_GPIO)) {
        printf("# mote error: GPIO %d cannot be an output on this chip (CONFIG_MOTE_MARKER_GPIO)\n", CONFIG_MOTE_MARKER_GPIO);
        return -1;
    }
    memset(&io, 0, sizeof io);
    io.pin_bit_mask = 1ULL << CONFIG_MOTE_MARKER_GPIO;
    io.mode = GPIO_MODE_OUTPUT;
    io.pull_up_en = GPIO_PULLUP_DISABLE;
    io.pull_down_en = GPIO_PULLDOWN_DISABLE;
    io.intr_type = GPIO_INTR_DISABLE;
    if (gpio_config(&io) != ESP_OK) {
        printf("# mote error: cannot configure GPIO %d as the marker output\n", CONFIG_MOTE_MARKER_GPIO);
        return -1;
    }
    gpio_set_level((gpio_num_t)CONFIG_MOTE_MARKER_GPIO, 0);
    marker_ok = 1;
    printf("# mote: marker on GPIO %d (high during each inference)\n", CONFIG_MOTE_MARKER_GPIO);
#endif
    return 0;
}

void mote_esp32_set_blob(const uint8_t *blob, uint32_t size)
{
    blob_bytes = blob;
    blob_size = size;
}

uint64_t mote_platform_clock_ns(void)
{
    /* esp_timer counts microseconds since boot (64-bit, never wraps in practice). */
    return (uint64_t)esp_timer_get_time() * 1000u;
}

void mote_platform_marker(int high)
{
#if CONFIG_MOTE_MARKER_GPIO >= 0
    if (marker_ok) gpio_set_level((gpio_num_t)CONFIG_MOTE_MARKER_GPIO, high ? 1 : 0);
#else
    (void)high;
#endif
}

void mote_platform_write(const char *text, size_t len)
{
    /* stdout is the console (UART or USB-Serial/JTAG); flushed so lines are never held back. */
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

int mote_platform_read_blob(uint32_t offset, void *dst, uint32_t len)
{
    if (!blob_bytes || offset > blob_size || len > blob_size - offset) return -1;
    memcpy(dst, blob_bytes + offset, len);
    return 0;
}
