;; The machine's practical int8 ceiling for WebAssembly, measured: register-blocked GEMM micro-loops
;; on data that stays in L1. Both compute a 4x2 tile C[4][2] = A[4][K] . B[2][K] (B pre-transposed,
;; so every operand row is contiguous), K = 512, repeated `reps` times. K is fixed so that every
;; load is the loop counter plus a constant offset: no address arithmetic in the loop.
;;
;; gemm_4x2_s8_simd: per 8 k-steps, 6 widening loads (v128.load8x8_s: 8 int8 -> 8 int16) and
;;   8 i32x4.dot_i16x8_s + 8 i32x4.add into 8 accumulators = 64 MACs. 14 live v128 values fit the
;;   16 x86 xmm registers, so nothing spills.
;; gemm_4x2_s8_scalar: per k-step, 6 i32.load8_s, 8 i32.mul + 8 i32.add = 8 MACs (MVP only).
;;
;; Memory layout (caller fills it): A at 0 (4 rows of 512 bytes), B at 4096 (2 rows of 512 bytes),
;; C at 8192 (8 x i32). Both return the sum of C so the work cannot be discarded.
(module
  (memory (export "memory") 1)

  (func $hsum (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  (func (export "gemm_4x2_s8_simd") (param $reps i32) (result i32)
    (local $k i32) (local $r i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $sum i32)
    (local.set $r (local.get $reps))
    (block $done_reps
      (loop $rep
        (br_if $done_reps (i32.eqz (local.get $r)))
        (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
        (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
        (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
        (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (loop $kloop
          (local.set $a0 (v128.load8x8_s (local.get $k)))
          (local.set $a1 (v128.load8x8_s offset=512 (local.get $k)))
          (local.set $a2 (v128.load8x8_s offset=1024 (local.get $k)))
          (local.set $a3 (v128.load8x8_s offset=1536 (local.get $k)))
          (local.set $b0 (v128.load8x8_s offset=4096 (local.get $k)))
          (local.set $b1 (v128.load8x8_s offset=4608 (local.get $k)))
          (local.set $c00 (i32x4.add (local.get $c00) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b0))))
          (local.set $c01 (i32x4.add (local.get $c01) (i32x4.dot_i16x8_s (local.get $a0) (local.get $b1))))
          (local.set $c10 (i32x4.add (local.get $c10) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b0))))
          (local.set $c11 (i32x4.add (local.get $c11) (i32x4.dot_i16x8_s (local.get $a1) (local.get $b1))))
          (local.set $c20 (i32x4.add (local.get $c20) (i32x4.dot_i16x8_s (local.get $a2) (local.get $b0))))
          (local.set $c21 (i32x4.add (local.get $c21) (i32x4.dot_i16x8_s (local.get $a2) (local.get $b1))))
          (local.set $c30 (i32x4.add (local.get $c30) (i32x4.dot_i16x8_s (local.get $a3) (local.get $b0))))
          (local.set $c31 (i32x4.add (local.get $c31) (i32x4.dot_i16x8_s (local.get $a3) (local.get $b1))))
          (local.set $k (i32.add (local.get $k) (i32.const 8)))
          (br_if $kloop (i32.lt_u (local.get $k) (i32.const 512))))
        (i32.store offset=8192 (i32.const 0) (call $hsum (local.get $c00)))
        (i32.store offset=8196 (i32.const 0) (call $hsum (local.get $c01)))
        (i32.store offset=8200 (i32.const 0) (call $hsum (local.get $c10)))
        (i32.store offset=8204 (i32.const 0) (call $hsum (local.get $c11)))
        (i32.store offset=8208 (i32.const 0) (call $hsum (local.get $c20)))
        (i32.store offset=8212 (i32.const 0) (call $hsum (local.get $c21)))
        (i32.store offset=8216 (i32.const 0) (call $hsum (local.get $c30)))
        (i32.store offset=8220 (i32.const 0) (call $hsum (local.get $c31)))
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (br $rep)))
    (call $sum_c))

  (func (export "gemm_4x2_s8_scalar") (param $reps i32) (result i32)
    (local $k i32) (local $r i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $b0 i32) (local $b1 i32)
    (local $c00 i32) (local $c01 i32) (local $c10 i32) (local $c11 i32)
    (local $c20 i32) (local $c21 i32) (local $c30 i32) (local $c31 i32)
    (local.set $r (local.get $reps))
    (block $done_reps
      (loop $rep
        (br_if $done_reps (i32.eqz (local.get $r)))
        (local.set $c00 (i32.const 0)) (local.set $c01 (i32.const 0))
        (local.set $c10 (i32.const 0)) (local.set $c11 (i32.const 0))
        (local.set $c20 (i32.const 0)) (local.set $c21 (i32.const 0))
        (local.set $c30 (i32.const 0)) (local.set $c31 (i32.const 0))
        (local.set $k (i32.const 0))
        (loop $kloop
          (local.set $a0 (i32.load8_s (local.get $k)))
          (local.set $a1 (i32.load8_s offset=512 (local.get $k)))
          (local.set $a2 (i32.load8_s offset=1024 (local.get $k)))
          (local.set $a3 (i32.load8_s offset=1536 (local.get $k)))
          (local.set $b0 (i32.load8_s offset=4096 (local.get $k)))
          (local.set $b1 (i32.load8_s offset=4608 (local.get $k)))
          (local.set $c00 (i32.add (local.get $c00) (i32.mul (local.get $a0) (local.get $b0))))
          (local.set $c01 (i32.add (local.get $c01) (i32.mul (local.get $a0) (local.get $b1))))
          (local.set $c10 (i32.add (local.get $c10) (i32.mul (local.get $a1) (local.get $b0))))
          (local.set $c11 (i32.add (local.get $c11) (i32.mul (local.get $a1) (local.get $b1))))
          (local.set $c20 (i32.add (local.get $c20) (i32.mul (local.get $a2) (local.get $b0))))
          (local.set $c21 (i32.add (local.get $c21) (i32.mul (local.get $a2) (local.get $b1))))
          (local.set $c30 (i32.add (local.get $c30) (i32.mul (local.get $a3) (local.get $b0))))
          (local.set $c31 (i32.add (local.get $c31) (i32.mul (local.get $a3) (local.get $b1))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $kloop (i32.lt_u (local.get $k) (i32.const 512))))
        (i32.store offset=8192 (i32.const 0) (local.get $c00))
        (i32.store offset=8196 (i32.const 0) (local.get $c01))
        (i32.store offset=8200 (i32.const 0) (local.get $c10))
        (i32.store offset=8204 (i32.const 0) (local.get $c11))
        (i32.store offset=8208 (i32.const 0) (local.get $c20))
        (i32.store offset=8212 (i32.const 0) (local.get $c21))
        (i32.store offset=8216 (i32.const 0) (local.get $c30))
        (i32.store offset=8220 (i32.const 0) (local.get $c31))
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (br $rep)))
    (call $sum_c))

  (func $sum_c (result i32)
    (local $i i32) (local $s i32)
    (block $end
      (loop $l
        (br_if $end (i32.ge_u (local.get $i) (i32.const 32)))
        (local.set $s (i32.add (local.get $s) (i32.load offset=8192 (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $l)))
    (local.get $s))
)
