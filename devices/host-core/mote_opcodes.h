/*
 * Op kind names by opcode, as format/format.ts numbers them (OP_* constants, lower-cased) and
 * host/opcodes.ts derives them. test/device-host.test.ts compiles this table and checks it against
 * host/opcodes.ts, so a new opcode in format.ts fails that test until it is added here.
 */
#ifndef MOTE_OPCODES_H
#define MOTE_OPCODES_H

static const char *const MOTE_OPCODE_NAMES[] = {
    "",                 /* 0: unused */
    "conv2d",           /* 1 */
    "depthwise_conv2d", /* 2 */
    "fully_connected",  /* 3 */
    "matmul",           /* 4 */
    "add",              /* 5 */
    "sub",              /* 6 */
    "mul",              /* 7 */
    "div",              /* 8 */
    "clamp",            /* 9 */
    "leaky_relu",       /* 10 */
    "sigmoid",          /* 11 */
    "tanh",             /* 12 */
    "hard_swish",       /* 13 */
    "lut",              /* 14 */
    "max_pool2d",       /* 15 */
    "average_pool2d",   /* 16 */
    "mean",             /* 17 */
    "concat",           /* 18 */
    "pad",              /* 19 */
    "transpose",        /* 20 */
    "softmax",          /* 21 */
    "quantize",         /* 22 */
    "dequantize",       /* 23 */
    "requantize",       /* 24 */
    "copy",             /* 25 */
    "strided_slice",    /* 26 */
    "transpose_conv2d", /* 27 */
    "lstm",             /* 28 */
    "binarize",         /* 29 */
    "maximum",          /* 30 */
    "minimum",          /* 31 */
    "arg_max",          /* 32 */
    "arg_min",          /* 33 */
    "reduce_max",       /* 34 */
    "reduce_min",       /* 35 */
    "resize",           /* 36 */
    "log_softmax",      /* 37 */
    "unary",            /* 38 */
    "reduce_sum",       /* 39 */
    "compare",          /* 40 */
    "logical",          /* 41 */
    "select",           /* 42 */
};

#define MOTE_OPCODE_COUNT ((int)(sizeof(MOTE_OPCODE_NAMES) / sizeof(MOTE_OPCODE_NAMES[0])))

/* The name of an opcode, or NULL when it is out of range. */
static inline const char *mote_opcode_name(int code)
{
    return code >= 1 && code < MOTE_OPCODE_COUNT ? MOTE_OPCODE_NAMES[code] : NULL;
}

/* Blob dtype codes (format/format.ts DTYPE_*) and their names and element sizes. */
static const char *const MOTE_DTYPE_NAMES[] = { "?", "f32", "s8", "s32", "u8", "s16", "sign8", "bool" };
static const unsigned char MOTE_DTYPE_SIZES[] = { 0, 4, 1, 4, 1, 2, 1, 1 };
#define MOTE_DTYPE_COUNT 8

#endif /* MOTE_OPCODES_H */
