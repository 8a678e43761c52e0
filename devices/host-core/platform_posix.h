/* POSIX-only extras of the platform layer. */
#ifndef MOTE_PLATFORM_POSIX_H
#define MOTE_PLATFORM_POSIX_H

#include <stdio.h>

/* The file mote_platform_read_blob reads from (--stream-blob). */
void mote_posix_set_blob_file(FILE *f);

#endif /* MOTE_PLATFORM_POSIX_H */
