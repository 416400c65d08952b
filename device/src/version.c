/* version.c - library identification. */
#include "zto/zto_device.h"

const char *
zto_device_version(void)
{
    return "zto-device 0.1.0";
}
