;; Float32 elementwise kernels for @lnlab/core in WebAssembly SIMD (128-bit f32x4): GELU (exact-erf form) and its
;; derivative, softmax forward / backward over rows, LayerNorm forward / backward over rows, and the four
;; arithmetic ops (same shape, scalar or repeated-row operands), column sums, strided copies of up to 4 axes, and
;; Adam's update, tanh.
;;
;; Assembled by scripts/build-wasm.mjs (wabt, SIMD enabled) into elementwise-wasm.ts; elementwise.ts is the
;; JavaScript side (it copies the operands into this module's memory, calls an export and copies the results out).
;; All addresses are byte offsets into the exported memory; the caller lays out and sizes the buffers, each padded
;; by at least 16 bytes so that a full v128 access at the end of the last row stays inside the buffer.
;;
;; Rows of length n (softmax, LayerNorm) are contiguous, so a row starts anywhere (unaligned v128 accesses) and
;; its last vector may run into the next row. Every row loop therefore steps 4 elements at a time through
;; ceil(n/4) vectors: reductions mask the lanes at index ≥ n (lane mask = iota + i < n), and stores past the row end
;; land in the next row's part of the output, which is written again when that row is processed (outputs are
;; separate buffers from the inputs, rows are processed in order), or in the padding after the last row.
;;
;; exp: Cephes expf, vectorised. n = nearest(x·log₂e), g = x − n·ln2 (Cody–Waite: ln2 = C1 + C2, C1 with few
;; mantissa bits so n·C1 is exact), e^g ≈ 1 + g + g²·P(g) (degree-5 P, |g| ≤ ln2/2, ~1 ulp), times 2^n built from
;; the exponent bits: (n + 127) << 23 reinterpreted as f32. Out of range results are selected afterwards:
;; x < −87.33 gives 0 (2^n would be subnormal: its bits wrap), x > 88.37 gives +∞; NaN stays NaN (trunc_sat maps
;; it to n = 0 and g is NaN). The same instruction sequence is written out in $gelu and $softmax_fwd (V8 does not
;; inline wasm calls; a call per vector would cost more than the exp itself).
(module
  (memory (export "memory") 1)

  ;; In place over n4 vectors at $p (4·n4 floats): which = 0: x·Φ(x); which = 1: Φ(x) + x·φ(x); which = 2:
  ;; g·(Φ(x) + x·φ(x)) with g read from $q (GELU's backward in one pass: gelu′ is rounded to f32 first, so the result
  ;; is bitwise that of computing gelu′ and then multiplying).
  ;; e = exp(−x²/2) (shared by φ = e/√(2π) and by erf), erf(|x|/√2) by Abramowitz & Stegun 7.1.26:
  ;; 1 − erf(a) = t·P(t)·exp(−a²), t = 1/(1 + 0.3275911·a), |error| ≤ 1.5e-7. h = (1 − erf)/2 is computed
  ;; directly (coefficients halved), so Φ = h for x < 0 (no cancellation in the left tail) and 1 − h otherwise.
  (func (export "gelu") (param $p i32) (param $q i32) (param $n4 i32) (param $which i32)
    (local $x v128) (local $arg v128) (local $fn v128) (local $g v128) (local $e v128) (local $t v128)
    (local $h v128) (local $phi v128) (local $d v128)
    (if (i32.eqz (local.get $n4)) (then (return)))
    (loop $vec
      (local.set $x (v128.load (local.get $p)))
      ;; arg = −x²/2 ≤ 0
      (local.set $arg (f32x4.mul (f32x4.mul (local.get $x) (local.get $x)) (v128.const f32x4 -0.5 -0.5 -0.5 -0.5)))
      ;; e = exp(arg)
      (local.set $fn (f32x4.nearest (f32x4.mul (local.get $arg)
        (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
      (local.set $g (f32x4.sub
        (f32x4.sub (local.get $arg)
          (f32x4.mul (local.get $fn) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
        (f32x4.mul (local.get $fn) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
      (local.set $e
        (f32x4.add
          (f32x4.add
            (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
                (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $g))
                (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)) (local.get $g))
                (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)) (local.get $g))
                (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)) (local.get $g))
                (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)) (local.get $g))
                (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
              (f32x4.mul (local.get $g) (local.get $g)))
            (local.get $g))
          (v128.const f32x4 1 1 1 1)))
      (local.set $e (f32x4.mul (local.get $e)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $fn)) (v128.const i32x4 127 127 127 127))
          (i32.const 23))))
      (local.set $e (v128.andnot (local.get $e)
        (f32x4.lt (local.get $arg) (v128.const f32x4 -87.33 -87.33 -87.33 -87.33))))
      ;; t = 1/(1 + p·|x|/√2)
      (local.set $t (f32x4.div (v128.const f32x4 1 1 1 1)
        (f32x4.add (v128.const f32x4 1 1 1 1)
          (f32x4.mul (f32x4.abs (local.get $x))
            ;; 0.3275911 / √2
            (v128.const f32x4 0.23164189750365552 0.23164189750365552 0.23164189750365552 0.23164189750365552)))))
      ;; h = t·P(t)·e / 2
      (local.set $h
        (f32x4.mul
          (f32x4.mul
            (f32x4.add (f32x4.mul
            (f32x4.add (f32x4.mul
            (f32x4.add (f32x4.mul
            (f32x4.add (f32x4.mul
              (v128.const f32x4 0.5307027145 0.5307027145 0.5307027145 0.5307027145) (local.get $t))
              (v128.const f32x4 -0.7265760135 -0.7265760135 -0.7265760135 -0.7265760135)) (local.get $t))
              (v128.const f32x4 0.7107068705 0.7107068705 0.7107068705 0.7107068705)) (local.get $t))
              (v128.const f32x4 -0.142248368 -0.142248368 -0.142248368 -0.142248368)) (local.get $t))
              (v128.const f32x4 0.127414796 0.127414796 0.127414796 0.127414796))
            (local.get $t))
          (local.get $e)))
      ;; Φ = x < 0 ? h : 1 − h
      (local.set $phi (v128.bitselect (local.get $h)
        (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $h))
        (f32x4.lt (local.get $x) (v128.const f32x4 0 0 0 0))))
      (if (local.get $which)
        (then
          (local.set $d (f32x4.add (local.get $phi)
            (f32x4.mul (f32x4.mul (local.get $x) (local.get $e))
              ;; 1/√(2π)
              (v128.const f32x4 0.3989422804014327 0.3989422804014327 0.3989422804014327 0.3989422804014327))))
          (if (i32.eq (local.get $which) (i32.const 2))
            (then (local.set $d (f32x4.mul (v128.load (local.get $q)) (local.get $d)))))
          (v128.store (local.get $p) (local.get $d)))
        (else
          (v128.store (local.get $p) (f32x4.mul (local.get $x) (local.get $phi)))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (br_if $vec (local.tee $n4 (i32.sub (local.get $n4) (i32.const 1))))))

  ;; Horizontal sum of two f64x2 accumulators.
  (func $hsum (param $a v128) (param $b v128) (result f64)
    (local.set $a (f64x2.add (local.get $a) (local.get $b)))
    (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))

  ;; $y[r] = softmax($x[r]) for rows r < rows of n ≥ 1 floats ($x and $y distinct). Row max (an all −∞ row keeps
  ;; −∞, so x − max is NaN and the row is NaN; a +∞ max becomes 0, as in ../softmax.ts), e = exp(x − max) stored,
  ;; sum in f64, then scaled by 1/sum.
  (func (export "softmax_fwd") (param $x i32) (param $y i32) (param $rows i32) (param $n i32)
    (local $i i32) (local $px i32) (local $py i32) (local $nv v128) (local $iv v128) (local $mask v128)
    (local $v v128) (local $mv v128) (local $m f32) (local $arg v128) (local $fn v128) (local $g v128)
    (local $e v128) (local $s0 v128) (local $s1 v128) (local $inv v128)
    (local.set $nv (i32x4.splat (local.get $n)))
    (if (i32.eqz (local.get $rows)) (then (return)))
    (loop $row
      ;; max
      (local.set $mv (v128.const f32x4 -inf -inf -inf -inf))
      (local.set $iv (v128.const i32x4 0 1 2 3))
      (local.set $px (local.get $x))
      (local.set $i (i32.const 0))
      (loop $max
        (local.set $mask (i32x4.lt_s (local.get $iv) (local.get $nv)))
        (local.set $mv (f32x4.max (local.get $mv)
          (v128.bitselect (v128.load (local.get $px)) (v128.const f32x4 -inf -inf -inf -inf) (local.get $mask))))
        (local.set $iv (i32x4.add (local.get $iv) (v128.const i32x4 4 4 4 4)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (br_if $max (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      (local.set $m (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $mv)) (f32x4.extract_lane 1 (local.get $mv)))
        (f32.max (f32x4.extract_lane 2 (local.get $mv)) (f32x4.extract_lane 3 (local.get $mv)))))
      (if (f32.eq (local.get $m) (f32.const inf)) (then (local.set $m (f32.const 0))))
      (local.set $mv (f32x4.splat (local.get $m)))
      ;; exp and sum
      (local.set $s0 (v128.const f64x2 0 0))
      (local.set $s1 (v128.const f64x2 0 0))
      (local.set $iv (v128.const i32x4 0 1 2 3))
      (local.set $px (local.get $x))
      (local.set $py (local.get $y))
      (local.set $i (i32.const 0))
      (loop $exp
        (local.set $arg (f32x4.sub (v128.load (local.get $px)) (local.get $mv)))
        (local.set $fn (f32x4.nearest (f32x4.mul (local.get $arg)
          (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
        (local.set $g (f32x4.sub
          (f32x4.sub (local.get $arg)
            (f32x4.mul (local.get $fn) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
          (f32x4.mul (local.get $fn) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
        (local.set $e
          (f32x4.add
            (f32x4.add
              (f32x4.mul
                (f32x4.add (f32x4.mul
                (f32x4.add (f32x4.mul
                (f32x4.add (f32x4.mul
                (f32x4.add (f32x4.mul
                (f32x4.add (f32x4.mul
                  (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $g))
                  (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)) (local.get $g))
                  (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)) (local.get $g))
                  (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)) (local.get $g))
                  (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)) (local.get $g))
                  (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
                (f32x4.mul (local.get $g) (local.get $g)))
              (local.get $g))
            (v128.const f32x4 1 1 1 1)))
        (local.set $e (f32x4.mul (local.get $e)
          (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $fn)) (v128.const i32x4 127 127 127 127))
            (i32.const 23))))
        (local.set $e (v128.andnot (local.get $e)
          (f32x4.lt (local.get $arg) (v128.const f32x4 -87.33 -87.33 -87.33 -87.33))))
        (local.set $e (v128.bitselect (v128.const f32x4 inf inf inf inf) (local.get $e)
          (f32x4.gt (local.get $arg) (v128.const f32x4 88.37 88.37 88.37 88.37))))
        (v128.store (local.get $py) (local.get $e))
        (local.set $e (v128.and (local.get $e) (i32x4.lt_s (local.get $iv) (local.get $nv))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.promote_low_f32x4 (local.get $e))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $e) (local.get $e)))))
        (local.set $iv (i32x4.add (local.get $iv) (v128.const i32x4 4 4 4 4)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (br_if $exp (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      ;; scale
      (local.set $inv (f32x4.splat (f32.demote_f64 (f64.div (f64.const 1) (call $hsum (local.get $s0) (local.get $s1))))))
      (local.set $py (local.get $y))
      (local.set $i (i32.const 0))
      (loop $scale
        (v128.store (local.get $py) (f32x4.mul (v128.load (local.get $py)) (local.get $inv)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (br_if $scale (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $y (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
      (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))

  ;; $dx[r] = y·(g − Σ g·y) per row ($dx distinct from $g and $y); the dot product is summed in f64.
  (func (export "softmax_bwd") (param $g i32) (param $y i32) (param $dx i32) (param $rows i32) (param $n i32)
    (local $i i32) (local $pg i32) (local $py i32) (local $pd i32) (local $nv v128) (local $iv v128)
    (local $p v128) (local $s0 v128) (local $s1 v128) (local $dot v128)
    (local.set $nv (i32x4.splat (local.get $n)))
    (if (i32.eqz (local.get $rows)) (then (return)))
    (loop $row
      (local.set $s0 (v128.const f64x2 0 0))
      (local.set $s1 (v128.const f64x2 0 0))
      (local.set $iv (v128.const i32x4 0 1 2 3))
      (local.set $pg (local.get $g))
      (local.set $py (local.get $y))
      (local.set $i (i32.const 0))
      (loop $sum
        (local.set $p (v128.and (f32x4.mul (v128.load (local.get $pg)) (v128.load (local.get $py)))
          (i32x4.lt_s (local.get $iv) (local.get $nv))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.promote_low_f32x4 (local.get $p))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $p) (local.get $p)))))
        (local.set $iv (i32x4.add (local.get $iv) (v128.const i32x4 4 4 4 4)))
        (local.set $pg (i32.add (local.get $pg) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (br_if $sum (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      (local.set $dot (f32x4.splat (f32.demote_f64 (call $hsum (local.get $s0) (local.get $s1)))))
      (local.set $pg (local.get $g))
      (local.set $py (local.get $y))
      (local.set $pd (local.get $dx))
      (local.set $i (i32.const 0))
      (loop $out
        (v128.store (local.get $pd) (f32x4.mul (v128.load (local.get $py))
          (f32x4.sub (v128.load (local.get $pg)) (local.get $dot))))
        (local.set $pg (i32.add (local.get $pg) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (local.set $pd (i32.add (local.get $pd) (i32.const 16)))
        (br_if $out (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      (local.set $g (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $y (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $dx (i32.add (local.get $dx) (i32.shl (local.get $n) (i32.const 2))))
      (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))


  ;; LayerNorm forward over rows of n ≥ 1 floats: μ = Σx/n and σ² = Σ(x − μ)²/n in f64 (two passes),
  ;; r = 1/√(σ² + ε); y = x̂·w + b with x̂ = (x − μ)·r (the caller passes w = 1, b = 0 for a missing affine).
  ;; μ and r go to the f64 arrays at $mean and $rstd.
  (func (export "layernorm_fwd") (param $x i32) (param $w i32) (param $b i32) (param $y i32) (param $mean i32)
    (param $rstd i32) (param $rows i32) (param $n i32) (param $eps f64)
    (local $i i32) (local $px i32) (local $py i32) (local $pw i32) (local $pb i32) (local $nv v128) (local $iv v128)
    (local $mask v128) (local $v v128) (local $s0 v128) (local $s1 v128) (local $d v128) (local $mu f64)
    (local $rs f64) (local $mu2 v128) (local $rs2 v128) (local $xv v128)
    (local.set $nv (i32x4.splat (local.get $n)))
    (if (i32.eqz (local.get $rows)) (then (return)))
    (loop $row
      ;; mean
      (local.set $s0 (v128.const f64x2 0 0))
      (local.set $s1 (v128.const f64x2 0 0))
      (local.set $iv (v128.const i32x4 0 1 2 3))
      (local.set $px (local.get $x))
      (local.set $i (i32.const 0))
      (loop $sum
        (local.set $v (v128.and (v128.load (local.get $px)) (i32x4.lt_s (local.get $iv) (local.get $nv))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
        (local.set $iv (i32x4.add (local.get $iv) (v128.const i32x4 4 4 4 4)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (br_if $sum (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      (local.set $mu (f64.div (call $hsum (local.get $s0) (local.get $s1)) (f64.convert_i32_u (local.get $n))))
      (local.set $mu2 (f64x2.splat (local.get $mu)))
      ;; variance
      (local.set $s0 (v128.const f64x2 0 0))
      (local.set $s1 (v128.const f64x2 0 0))
      (local.set $iv (v128.const i32x4 0 1 2 3))
      (local.set $px (local.get $x))
      (local.set $i (i32.const 0))
      (loop $var
        (local.set $v (v128.load (local.get $px)))
        (local.set $mask (i32x4.lt_s (local.get $iv) (local.get $nv)))
        (local.set $d (v128.and (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $mu2))
          (i64x2.extend_low_i32x4_s (local.get $mask))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (v128.and
          (f64x2.sub (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))) (local.get $mu2))
          (i64x2.extend_high_i32x4_s (local.get $mask))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $iv (i32x4.add (local.get $iv) (v128.const i32x4 4 4 4 4)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (br_if $var (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      (local.set $rs (f64.div (f64.const 1) (f64.sqrt (f64.add
        (f64.div (call $hsum (local.get $s0) (local.get $s1)) (f64.convert_i32_u (local.get $n))) (local.get $eps)))))
      (local.set $rs2 (f64x2.splat (local.get $rs)))
      (f64.store (local.get $mean) (local.get $mu))
      (f64.store (local.get $rstd) (local.get $rs))
      ;; y
      (local.set $px (local.get $x))
      (local.set $py (local.get $y))
      (local.set $pw (local.get $w))
      (local.set $pb (local.get $b))
      (local.set $i (i32.const 0))
      (loop $out
        (v128.store (local.get $py) (f32x4.add
          (f32x4.mul (block (result v128) ;; x̂ = (x − μ)·r in f64, rounded once to f32 (written out: V8 does not inline wasm calls)
          (local.set $xv (v128.load (local.get $px)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $xv)) (local.get $mu2)) (local.get $rs2)))
            (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $xv) (local.get $xv))) (local.get $mu2))
              (local.get $rs2))))) (v128.load (local.get $pw)))
          (v128.load (local.get $pb))))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $py (i32.add (local.get $py) (i32.const 16)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 16)))
        (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
        (br_if $out (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $y (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $mean (i32.add (local.get $mean) (i32.const 8)))
      (local.set $rstd (i32.add (local.get $rstd) (i32.const 8)))
      (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))

  ;; LayerNorm backward over rows of n ≥ 1 floats (llm.c form): with x̂ = (x − μ)·r and g = dy·w,
  ;; dx = r·(g − mean(g) − x̂·mean(g·x̂)) (if $wantDx), and per column dw += dy·x̂, db += dy (f64 arrays at $dw,
  ;; $db, padded to a multiple of 4 columns; the caller passes w = 1 for a missing weight).
  (func (export "layernorm_bwd") (param $dy i32) (param $x i32) (param $w i32) (param $mean i32) (param $rstd i32)
    (param $dx i32) (param $dw i32) (param $db i32) (param $rows i32) (param $n i32) (param $wantDx i32)
    (local $i i32) (local $pdy i32) (local $px i32) (local $pw i32) (local $pdw i32) (local $pdb i32) (local $pdx i32)
    (local $nv v128) (local $iv v128) (local $mask v128) (local $d v128) (local $xh v128) (local $g v128)
    (local $t v128) (local $s0 v128) (local $s1 v128) (local $q0 v128) (local $q1 v128) (local $mu2 v128)
    (local $rs2 v128) (local $rs f64) (local $mg v128) (local $mgx v128) (local $rsf v128) (local $xv v128)
    (local.set $nv (i32x4.splat (local.get $n)))
    (if (i32.eqz (local.get $rows)) (then (return)))
    (loop $row
      (local.set $mu2 (f64x2.splat (f64.load (local.get $mean))))
      (local.set $rs (f64.load (local.get $rstd)))
      (local.set $rs2 (f64x2.splat (local.get $rs)))
      (local.set $s0 (v128.const f64x2 0 0))
      (local.set $s1 (v128.const f64x2 0 0))
      (local.set $q0 (v128.const f64x2 0 0))
      (local.set $q1 (v128.const f64x2 0 0))
      (local.set $iv (v128.const i32x4 0 1 2 3))
      (local.set $pdy (local.get $dy))
      (local.set $px (local.get $x))
      (local.set $pw (local.get $w))
      (local.set $pdw (local.get $dw))
      (local.set $pdb (local.get $db))
      (local.set $i (i32.const 0))
      (loop $sum
        (local.set $mask (i32x4.lt_s (local.get $iv) (local.get $nv)))
        (local.set $xh (block (result v128) ;; x̂ = (x − μ)·r in f64, rounded once to f32 (written out: V8 does not inline wasm calls)
          (local.set $xv (v128.load (local.get $px)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $xv)) (local.get $mu2)) (local.get $rs2)))
            (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $xv) (local.get $xv))) (local.get $mu2))
              (local.get $rs2))))))
        (local.set $d (v128.and (v128.load (local.get $pdy)) (local.get $mask)))
        (local.set $g (f32x4.mul (local.get $d) (v128.load (local.get $pw))))
        ;; masked lanes: d = 0, so g = 0 unless w is ±∞/NaN (never: the padding of w is written as 0)
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.promote_low_f32x4 (local.get $g))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $g) (local.get $g)))))
        (local.set $t (v128.and (f32x4.mul (local.get $g) (local.get $xh)) (local.get $mask)))
        (local.set $q0 (f64x2.add (local.get $q0) (f64x2.promote_low_f32x4 (local.get $t))))
        (local.set $q1 (f64x2.add (local.get $q1) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $t) (local.get $t)))))
        ;; dw += dy·x̂, db += dy (lanes past n land in the padding of dw / db)
        (local.set $t (f32x4.mul (local.get $d) (local.get $xh)))
        (v128.store (local.get $pdw) (f64x2.add (v128.load (local.get $pdw)) (f64x2.promote_low_f32x4 (local.get $t))))
        (v128.store offset=16 (local.get $pdw) (f64x2.add (v128.load offset=16 (local.get $pdw)) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $t) (local.get $t)))))
        (v128.store (local.get $pdb) (f64x2.add (v128.load (local.get $pdb)) (f64x2.promote_low_f32x4 (local.get $d))))
        (v128.store offset=16 (local.get $pdb) (f64x2.add (v128.load offset=16 (local.get $pdb)) (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $d) (local.get $d)))))
        (local.set $iv (i32x4.add (local.get $iv) (v128.const i32x4 4 4 4 4)))
        (local.set $pdy (i32.add (local.get $pdy) (i32.const 16)))
        (local.set $px (i32.add (local.get $px) (i32.const 16)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 16)))
        (local.set $pdw (i32.add (local.get $pdw) (i32.const 32)))
        (local.set $pdb (i32.add (local.get $pdb) (i32.const 32)))
        (br_if $sum (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
      (if (local.get $wantDx)
        (then
          (local.set $mg (f32x4.splat (f32.demote_f64 (f64.div (call $hsum (local.get $s0) (local.get $s1))
            (f64.convert_i32_u (local.get $n))))))
          (local.set $mgx (f32x4.splat (f32.demote_f64 (f64.div (call $hsum (local.get $q0) (local.get $q1))
            (f64.convert_i32_u (local.get $n))))))
          (local.set $rsf (f32x4.splat (f32.demote_f64 (local.get $rs))))
          (local.set $pdy (local.get $dy))
          (local.set $px (local.get $x))
          (local.set $pw (local.get $w))
          (local.set $pdx (local.get $dx))
          (local.set $i (i32.const 0))
          (loop $out
            (local.set $xh (block (result v128) ;; x̂ = (x − μ)·r in f64, rounded once to f32 (written out: V8 does not inline wasm calls)
          (local.set $xv (v128.load (local.get $px)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $xv)) (local.get $mu2)) (local.get $rs2)))
            (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $xv) (local.get $xv))) (local.get $mu2))
              (local.get $rs2))))))
            (local.set $g (f32x4.mul (v128.load (local.get $pdy)) (v128.load (local.get $pw))))
            (v128.store (local.get $pdx) (f32x4.mul (local.get $rsf)
              (f32x4.sub (f32x4.sub (local.get $g) (local.get $mg)) (f32x4.mul (local.get $xh) (local.get $mgx)))))
            (local.set $pdy (i32.add (local.get $pdy) (i32.const 16)))
            (local.set $px (i32.add (local.get $px) (i32.const 16)))
            (local.set $pw (i32.add (local.get $pw) (i32.const 16)))
            (local.set $pdx (i32.add (local.get $pdx) (i32.const 16)))
            (br_if $out (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))))
      (local.set $dy (i32.add (local.get $dy) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $dx (i32.add (local.get $dx) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $mean (i32.add (local.get $mean) (i32.const 8)))
      (local.set $rstd (i32.add (local.get $rstd) (i32.const 8)))
      (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))

  ;; out = a ∘ b over n4 vectors; op 0: add, 1: sub, 2: mul, 3: div (IEEE single precision: the same numbers as
  ;; float32 arithmetic in JavaScript, where the double result of two floats is rounded once to float32).
  ;; a advances $as bytes per vector (16, or 0 for a scalar splatted over a vector), b advances $bs; when $bw > 0,
  ;; b is a row of $bw vectors repeated over the output: it restarts at its first vector every $bw vectors.
  (func (export "binary") (param $op i32) (param $a i32) (param $as i32) (param $b i32) (param $bs i32)
    (param $bw i32) (param $out i32) (param $n4 i32)
    (local $b0 i32) (local $k i32) (local $x v128) (local $y v128)
    (if (i32.eqz (local.get $n4)) (then (return)))
    (local.set $b0 (local.get $b))
    (local.set $k (local.get $bw))
    (loop $vec
      (local.set $x (v128.load (local.get $a)))
      (local.set $y (v128.load (local.get $b)))
      (v128.store (local.get $out)
        (if (result v128) (i32.lt_u (local.get $op) (i32.const 2))
          (then
            (if (result v128) (local.get $op)
              (then (f32x4.sub (local.get $x) (local.get $y)))
              (else (f32x4.add (local.get $x) (local.get $y)))))
          (else
            (if (result v128) (i32.eq (local.get $op) (i32.const 2))
              (then (f32x4.mul (local.get $x) (local.get $y)))
              (else (f32x4.div (local.get $x) (local.get $y)))))))
      (local.set $a (i32.add (local.get $a) (local.get $as)))
      (local.set $b (i32.add (local.get $b) (local.get $bs)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (if (local.get $bw)
        (then
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (if (i32.eqz (local.get $k))
            (then
              (local.set $b (local.get $b0))
              (local.set $k (local.get $bw))))))
      (br_if $vec (local.tee $n4 (i32.sub (local.get $n4) (i32.const 1))))))

  ;; Column sums of a row-major [rows, cols] float32 block, added into float64 accumulators acc[cols] row by row
  ;; (so each column is summed in row order, exactly as a float64 loop would).
  (func (export "colsum") (param $x i32) (param $acc i32) (param $rows i32) (param $cols i32)
    (local $j i32) (local $p i32) (local $a i32) (local $pairs i32)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))) (then (return)))
    (local.set $pairs (i32.shr_u (local.get $cols) (i32.const 1)))
    (loop $row
      (local.set $p (local.get $x))
      (local.set $a (local.get $acc))
      (local.set $j (local.get $pairs))
      (if (local.get $j)
        (then
          (loop $pair
            (v128.store (local.get $a)
              (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p)))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br_if $pair (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))))
      (if (i32.and (local.get $cols) (i32.const 1))
        (then (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load (local.get $p)))))))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))

  ;; dst[i0, i1, i2, i3] = src[i0·s0 + i1·s1 + i2·s2 + i3·s3] for the 4-d shape d0×d1×d2×d3 (strides in elements,
  ;; ≥ 0), dst contiguous: a permutation or broadcast of up to 4 axes, float32 (or any 4-byte element).
  (func (export "copy4") (param $src i32) (param $dst i32) (param $d0 i32) (param $d1 i32) (param $d2 i32)
    (param $d3 i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $s3 i32)
    (local $i0 i32) (local $i1 i32) (local $i2 i32) (local $i3 i32) (local $p0 i32) (local $p1 i32) (local $p2 i32)
    (local $p i32)
    (if (i32.eqz (i32.mul (i32.mul (local.get $d0) (local.get $d1)) (i32.mul (local.get $d2) (local.get $d3))))
      (then (return)))
    (local.set $s0 (i32.shl (local.get $s0) (i32.const 2)))
    (local.set $s1 (i32.shl (local.get $s1) (i32.const 2)))
    (local.set $s2 (i32.shl (local.get $s2) (i32.const 2)))
    (local.set $s3 (i32.shl (local.get $s3) (i32.const 2)))
    (local.set $p0 (local.get $src))
    (local.set $i0 (local.get $d0))
    (loop $l0
      (local.set $p1 (local.get $p0))
      (local.set $i1 (local.get $d1))
      (loop $l1
        (local.set $p2 (local.get $p1))
        (local.set $i2 (local.get $d2))
        (loop $l2
          (local.set $p (local.get $p2))
          (local.set $i3 (local.get $d3))
          (loop $l3
            (i32.store (local.get $dst) (i32.load (local.get $p)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $p (i32.add (local.get $p) (local.get $s3)))
            (br_if $l3 (local.tee $i3 (i32.sub (local.get $i3) (i32.const 1)))))
          (local.set $p2 (i32.add (local.get $p2) (local.get $s2)))
          (br_if $l2 (local.tee $i2 (i32.sub (local.get $i2) (i32.const 1)))))
        (local.set $p1 (i32.add (local.get $p1) (local.get $s1)))
        (br_if $l1 (local.tee $i1 (i32.sub (local.get $i1) (i32.const 1)))))
      (local.set $p0 (i32.add (local.get $p0) (local.get $s0)))
      (br_if $l0 (local.tee $i0 (i32.sub (local.get $i0) (i32.const 1))))))

  ;; Adam's update, common case (no weight decay / amsgrad / maximize), float32 storage and float64 arithmetic with
  ;; each stored value rounded once to float32, in exactly the order of the TypeScript loop (so bitwise equal):
  ;; m ← m + w1·(g − m); v ← v·β2 + (w2·g)·g; x ← x + (−step·m)/(√v / bc2 + eps), with m and v read back rounded.
  ;; Two elements per step (f64x2); an odd last element is paired with whatever the padding holds (never copied back).
  (func (export "adam") (param $x i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $step f64) (param $bc2 f64) (param $beta2 f64) (param $eps f64) (param $w1 f64) (param $w2 f64)
    (local $G v128) (local $M v128) (local $V v128) (local $X v128) (local $pairs i32)
    (local $nstep v128) (local $bc v128) (local $b2 v128) (local $ep v128) (local $a1 v128) (local $a2 v128)
    (local.set $nstep (f64x2.splat (f64.neg (local.get $step))))
    (local.set $bc (f64x2.splat (local.get $bc2)))
    (local.set $b2 (f64x2.splat (local.get $beta2)))
    (local.set $ep (f64x2.splat (local.get $eps)))
    (local.set $a1 (f64x2.splat (local.get $w1)))
    (local.set $a2 (f64x2.splat (local.get $w2)))
    ;; pairs, rounding up: the caller pads each array by at least one float (it is copied back only up to n)
    (local.set $pairs (i32.shr_u (i32.add (local.get $n) (i32.const 1)) (i32.const 1)))
    (if (i32.eqz (local.get $pairs)) (then (return)))
    (loop $pair
      (local.set $G (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $g))))
      (local.set $M (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $m))))
      (local.set $M (f32x4.demote_f64x2_zero (f64x2.add (local.get $M)
        (f64x2.mul (local.get $a1) (f64x2.sub (local.get $G) (local.get $M))))))
      (v128.store64_lane 0 (local.get $m) (local.get $M))
      (local.set $M (f64x2.promote_low_f32x4 (local.get $M)))
      (local.set $V (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $v))))
      (local.set $V (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (local.get $V) (local.get $b2))
        (f64x2.mul (f64x2.mul (local.get $a2) (local.get $G)) (local.get $G)))))
      (v128.store64_lane 0 (local.get $v) (local.get $V))
      (local.set $V (f64x2.promote_low_f32x4 (local.get $V)))
      (local.set $X (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x))))
      (local.set $X (f64x2.add (local.get $X)
        (f64x2.div (f64x2.mul (local.get $nstep) (local.get $M))
          (f64x2.add (f64x2.div (f64x2.sqrt (local.get $V)) (local.get $bc)) (local.get $ep)))))
      (v128.store64_lane 0 (local.get $x) (f32x4.demote_f64x2_zero (local.get $X)))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (local.set $g (i32.add (local.get $g) (i32.const 8)))
      (local.set $m (i32.add (local.get $m) (i32.const 8)))
      (local.set $v (i32.add (local.get $v) (i32.const 8)))
      (br_if $pair (local.tee $pairs (i32.sub (local.get $pairs) (i32.const 1))))))

  ;; In place over n4 vectors at $p: tanh(x) in float32 (Cephes tanhf). |x| < 0.625: x + x·s·P(s), s = x²;
  ;; otherwise sign(x)·(1 − e)/(1 + e), e = exp(−2|x|) ≤ 0.29 (no overflow, no cancellation; e underflows to 0 for
  ;; |x| > 43.7, giving ±1 exactly). NaN stays NaN. Within ~2 ulp of the float64 result.
  (func (export "tanh") (param $p i32) (param $n4 i32)
    (local $x v128) (local $a v128) (local $s v128) (local $small v128) (local $arg v128) (local $fn v128)
    (local $g v128) (local $e v128) (local $big v128)
    (if (i32.eqz (local.get $n4)) (then (return)))
    (loop $vec
      (local.set $x (v128.load (local.get $p)))
      (local.set $a (f32x4.abs (local.get $x)))
      ;; small: x + x·s·P(s)
      (local.set $s (f32x4.mul (local.get $x) (local.get $x)))
      (local.set $small (f32x4.add (local.get $x) (f32x4.mul (f32x4.mul (local.get $x) (local.get $s))
        (f32x4.add (f32x4.mul
        (f32x4.add (f32x4.mul
        (f32x4.add (f32x4.mul
        (f32x4.add (f32x4.mul
          (v128.const f32x4 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3) (local.get $s))
          (v128.const f32x4 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2)) (local.get $s))
          (v128.const f32x4 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2)) (local.get $s))
          (v128.const f32x4 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1)) (local.get $s))
          (v128.const f32x4 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1)))))
      ;; e = exp(arg), arg = −2|x| ≤ 0: the exp sequence of $gelu
      (local.set $arg (f32x4.mul (local.get $a) (v128.const f32x4 -2 -2 -2 -2)))
      (local.set $fn (f32x4.nearest (f32x4.mul (local.get $arg)
        (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
      (local.set $g (f32x4.sub
        (f32x4.sub (local.get $arg)
          (f32x4.mul (local.get $fn) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
        (f32x4.mul (local.get $fn) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
      (local.set $e
        (f32x4.add
          (f32x4.add
            (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
              (f32x4.add (f32x4.mul
                (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $g))
                (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)) (local.get $g))
                (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)) (local.get $g))
                (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)) (local.get $g))
                (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)) (local.get $g))
                (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
              (f32x4.mul (local.get $g) (local.get $g)))
            (local.get $g))
          (v128.const f32x4 1 1 1 1)))
      (local.set $e (f32x4.mul (local.get $e)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $fn)) (v128.const i32x4 127 127 127 127))
          (i32.const 23))))
      (local.set $e (v128.andnot (local.get $e)
        (f32x4.lt (local.get $arg) (v128.const f32x4 -87.33 -87.33 -87.33 -87.33))))
      ;; big: (1 − e)/(1 + e) with x's sign bit
      (local.set $big (v128.or
        (f32x4.div (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $e)) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $e)))
        (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
      ;; (x's sign on the small branch too: tanh(−0) = −0, which x + x·s·P(s) rounds to +0)
      (v128.store (local.get $p) (v128.bitselect
        (v128.or (local.get $small) (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
        (local.get $big)
        (f32x4.lt (local.get $a) (v128.const f32x4 0.625 0.625 0.625 0.625))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $vec (local.tee $n4 (i32.sub (local.get $n4) (i32.const 1))))))
)
