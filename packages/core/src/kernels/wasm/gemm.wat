;; Float32 GEMM for @lnlab/core in WebAssembly SIMD (128-bit f32x4): C[m×n] (+)= op(A)[m×k] · op(B)[k×n].
;;
;; Assembled by scripts/build-wasm.mjs (wabt, SIMD enabled) into gemm-wasm.ts; gemm.ts is the JavaScript side
;; (it copies the operands into this module's memory, calls $gemm and copies C back out). The same script derives
;; a second binary in which every `(f32x4.add (local.get $cX) (f32x4.mul X Y))` of the micro-kernel becomes
;; `(f32x4.relaxed_madd X Y (local.get $cX))` (relaxed SIMD, a fused multiply-add where the engine has one); keep
;; the micro-kernel's updates written in exactly that form.
;;
;; The structure is the one of the TypeScript kernel in ../matmul.ts (GotoBLAS / BLIS loop nest):
;;   for jc in n step ncStep:            columns of C / op(B)
;;     for pc in k step kcStep:          a kcStep-deep slice of the inner dimension
;;       pack op(B)[pc:+kc, jc:+nc]      -> 8-column micro-panels: (step p, column j) at p·8 + j   (8 KiB each for kc = 256)
;;       for ic in m step mcStep:
;;         pack op(A)[ic:+mc, pc:+kc]    -> 4-row micro-panels:    (step p, row i)    at p·4 + i
;;         for each 8-column panel jr, for each 4-row panel ir:
;;           micro-kernel: C[ic+ir:+4, jc+jr:+8] (+)= Apanel(ir) · Bpanel(jr)
;; Packing handles the transposes (and zero-pads partial panels), so all four layouts run the same micro-kernel.
;;
;; Micro-kernel: a 4×8 tile of C in 8 f32x4 accumulators; per step of k, two v128 loads of the B panel, four
;; load32_splat of the A panel, eight f32x4.mul + f32x4.add. Why 4×8 and this loop shape (measured on V8 11.3/x64):
;;  * V8 allocates 15 xmm registers and schedules all of a basic block's loads before its arithmetic, so a step
;;    needs 6 loaded values + 8 accumulators + 1 product = 15 registers; every larger tile (5×8, 6×8, 3×12, 4×12)
;;    spilled and ran at 20-25 GFLOP/s against ~33.
;;  * Unrolling by two steps with a conditional exit between them (so each step is its own basic block and its
;;    loads cannot be hoisted over the other's arithmetic) halves the loop overhead: ~40 GFLOP/s on a core whose
;;    f32x4 mul+add peak is ~51. A plain 2× unroll (loads of both steps hoisted -> spills) was slower (~25).
;;
;; All addresses are byte offsets into the exported memory; the caller lays out and sizes the buffers.
;;
;; The script also derives a shared-memory build of each binary for the threaded path (gemm-threads.ts): the memory
;; line below becomes `(import "env" "memory" (memory 1 <max> shared))` and nothing else changes. Keep that line as is.
(module
  (memory (export "memory") 1)

  ;; Copy a group of 4 adjacent lines (line stride 4 bytes): per step, 4 contiguous floats from $s to $d.
  (func $copyGroup (param $s i32) (param $ks i32) (param $kc i32) (param $d i32) (param $ds i32)
    (loop $step
      (v128.store (local.get $d) (v128.load (local.get $s)))
      (local.set $s (i32.add (local.get $s) (local.get $ks)))
      (local.set $d (i32.add (local.get $d) (local.get $ds)))
      (br_if $step (local.tee $kc (i32.sub (local.get $kc) (i32.const 1))))))

  ;; Pack a group of 4 lines whose steps are contiguous (step stride 4 bytes, line stride $ts): 4×4 blocks are
  ;; loaded one line per v128, transposed with shuffles and stored one step per v128; leftover steps one by one.
  (func $transposeGroup (param $s i32) (param $ts i32) (param $kc i32) (param $d i32) (param $ds i32)
    (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $blocks i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128)
    (local.set $s1 (i32.add (local.get $s) (local.get $ts)))
    (local.set $s2 (i32.add (local.get $s1) (local.get $ts)))
    (local.set $s3 (i32.add (local.get $s2) (local.get $ts)))
    (if (local.tee $blocks (i32.shr_u (local.get $kc) (i32.const 2)))
      (then
        (loop $block
          (local.set $r0 (v128.load (local.get $s)))
          (local.set $r1 (v128.load (local.get $s1)))
          (local.set $r2 (v128.load (local.get $s2)))
          (local.set $r3 (v128.load (local.get $s3)))
          ;; steps 0 and 1: t0 = (r0[0] r1[0] r0[1] r1[1]), t1 = (r2[0] r3[0] r2[1] r3[1])
          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
          (v128.store (local.get $d)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
          (local.set $d (i32.add (local.get $d) (local.get $ds)))
          (v128.store (local.get $d)
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
          (local.set $d (i32.add (local.get $d) (local.get $ds)))
          ;; steps 2 and 3: t0 = (r0[2] r1[2] r0[3] r1[3]), t1 = (r2[2] r3[2] r2[3] r3[3])
          (local.set $t0 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
          (v128.store (local.get $d)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
          (local.set $d (i32.add (local.get $d) (local.get $ds)))
          (v128.store (local.get $d)
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
          (local.set $d (i32.add (local.get $d) (local.get $ds)))
          (local.set $s (i32.add (local.get $s) (i32.const 16)))
          (local.set $s1 (i32.add (local.get $s1) (i32.const 16)))
          (local.set $s2 (i32.add (local.get $s2) (i32.const 16)))
          (local.set $s3 (i32.add (local.get $s3) (i32.const 16)))
          (br_if $block (local.tee $blocks (i32.sub (local.get $blocks) (i32.const 1)))))))
    (if (local.tee $kc (i32.and (local.get $kc) (i32.const 3)))
      (then
        (loop $step
          (f32.store offset=0 (local.get $d) (f32.load (local.get $s)))
          (f32.store offset=4 (local.get $d) (f32.load (local.get $s1)))
          (f32.store offset=8 (local.get $d) (f32.load (local.get $s2)))
          (f32.store offset=12 (local.get $d) (f32.load (local.get $s3)))
          (local.set $d (i32.add (local.get $d) (local.get $ds)))
          (local.set $s (i32.add (local.get $s) (i32.const 4)))
          (local.set $s1 (i32.add (local.get $s1) (i32.const 4)))
          (local.set $s2 (i32.add (local.get $s2) (i32.const 4)))
          (local.set $s3 (i32.add (local.get $s3) (i32.const 4)))
          (br_if $step (local.tee $kc (i32.sub (local.get $kc) (i32.const 1))))))))

  ;; A partial group: lines r < $h are copied element by element (any strides), lines $h..3 are zero-filled.
  (func $partialGroup (param $s i32) (param $ts i32) (param $ks i32) (param $kc i32) (param $d i32) (param $ds i32) (param $h i32)
    (local $r i32) (local $p i32) (local $si i32) (local $di i32)
    (loop $line
      (local.set $di (i32.add (local.get $d) (i32.shl (local.get $r) (i32.const 2))))
      (local.set $p (local.get $kc))
      (if (i32.lt_u (local.get $r) (local.get $h))
        (then
          (local.set $si (i32.add (local.get $s) (i32.mul (local.get $r) (local.get $ts))))
          (loop $copy
            (f32.store (local.get $di) (f32.load (local.get $si)))
            (local.set $si (i32.add (local.get $si) (local.get $ks)))
            (local.set $di (i32.add (local.get $di) (local.get $ds)))
            (br_if $copy (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))
        (else
          (loop $zero
            (f32.store (local.get $di) (f32.const 0))
            (local.set $di (i32.add (local.get $di) (local.get $ds)))
            (br_if $zero (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
      (br_if $line (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 4)))))

  ;; Pack $cnt lines × $kc steps (kc ≥ 1) into $w-wide micro-panels ($w = 4 or 8): element (line t, step p), read
  ;; from $src + t·$ts + p·$ks, goes to $dst + 4·(⌊t/w⌋·w·kc + p·w + t mod w). Lines past $cnt are zeros.
  ;; Requires $ts = 4 or $ks = 4 (one of the two directions is contiguous), as it is for every layout.
  (func $pack (param $src i32) (param $ts i32) (param $ks i32) (param $cnt i32) (param $kc i32) (param $dst i32) (param $w i32)
    (local $t i32) (local $g i32) (local $h i32) (local $s i32) (local $d i32) (local $ds i32)
    (local.set $ds (i32.shl (local.get $w) (i32.const 2)))
    (loop $panel
      (local.set $g (i32.const 0))
      (loop $group
        ;; h = number of valid lines in the 4-line group starting at line t + g
        (local.set $h (i32.sub (local.get $cnt) (i32.add (local.get $t) (local.get $g))))
        (local.set $h (select (local.get $h) (i32.const 0) (i32.gt_s (local.get $h) (i32.const 0))))
        (local.set $h (select (i32.const 4) (local.get $h) (i32.gt_u (local.get $h) (i32.const 4))))
        (local.set $s (i32.add (local.get $src) (i32.mul (i32.add (local.get $t) (local.get $g)) (local.get $ts))))
        (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $g) (i32.const 2))))
        (if (i32.eq (local.get $h) (i32.const 4))
          (then
            (if (i32.eq (local.get $ts) (i32.const 4))
              (then (call $copyGroup (local.get $s) (local.get $ks) (local.get $kc) (local.get $d) (local.get $ds)))
              (else (call $transposeGroup (local.get $s) (local.get $ts) (local.get $kc) (local.get $d) (local.get $ds)))))
          (else
            (call $partialGroup (local.get $s) (local.get $ts) (local.get $ks) (local.get $kc) (local.get $d) (local.get $ds) (local.get $h))))
        (br_if $group (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 4))) (local.get $w))))
      (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $kc) (local.get $ds))))
      (br_if $panel (i32.lt_u (local.tee $t (i32.add (local.get $t) (local.get $w))) (local.get $cnt)))))

  ;; The 4×8 micro-kernel: C[4×8 at $c, row stride $ldc bytes] (+ if $add)= Σ_p A[p·4 + i] · B[p·8 + j] for
  ;; p < $kc (kc ≥ 1), with the packed panels at $ap and $bp. Accumulator $cIJ holds C[i, 4J:4J+4].
  (func $kernel (param $ap i32) (param $bp i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $add i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $a v128) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (block $done
      (loop $steps
        ;; step p
        (local.set $b0 (v128.load offset=0 (local.get $bp)))
        (local.set $b1 (v128.load offset=16 (local.get $bp)))
        (local.set $a (v128.load32_splat offset=0 (local.get $ap)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=4 (local.get $ap)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=8 (local.get $ap)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=12 (local.get $ap)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))
        (br_if $done (i32.eqz (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))
        ;; step p + 1 (its own basic block: see the header)
        (local.set $b0 (v128.load offset=32 (local.get $bp)))
        (local.set $b1 (v128.load offset=48 (local.get $bp)))
        (local.set $a (v128.load32_splat offset=16 (local.get $ap)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=20 (local.get $ap)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=24 (local.get $ap)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=28 (local.get $ap)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $ap (i32.add (local.get $ap) (i32.const 32)))
        (local.set $bp (i32.add (local.get $bp) (i32.const 64)))
        (br_if $steps (local.tee $kc (i32.sub (local.get $kc) (i32.const 1))))))
    (local.set $r1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $ldc)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $ldc)))
    (if (local.get $add)
      (then
        (local.set $c00 (f32x4.add (v128.load offset=0 (local.get $c)) (local.get $c00)))
        (local.set $c01 (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c01)))
        (local.set $c10 (f32x4.add (v128.load offset=0 (local.get $r1)) (local.get $c10)))
        (local.set $c11 (f32x4.add (v128.load offset=16 (local.get $r1)) (local.get $c11)))
        (local.set $c20 (f32x4.add (v128.load offset=0 (local.get $r2)) (local.get $c20)))
        (local.set $c21 (f32x4.add (v128.load offset=16 (local.get $r2)) (local.get $c21)))
        (local.set $c30 (f32x4.add (v128.load offset=0 (local.get $r3)) (local.get $c30)))
        (local.set $c31 (f32x4.add (v128.load offset=16 (local.get $r3)) (local.get $c31)))))
    (v128.store offset=0 (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store offset=0 (local.get $r1) (local.get $c10))
    (v128.store offset=16 (local.get $r1) (local.get $c11))
    (v128.store offset=0 (local.get $r2) (local.get $c20))
    (v128.store offset=16 (local.get $r2) (local.get $c21))
    (v128.store offset=0 (local.get $r3) (local.get $c30))
    (v128.store offset=16 (local.get $r3) (local.get $c31)))

  ;; Edge tile: C[$h×$w at $c, row stride $ldc bytes] (+ if $add)= the top-left h×w of the 4×8 tile at $tile.
  (func $edge (param $tile i32) (param $c i32) (param $ldc i32) (param $h i32) (param $w i32) (param $add i32)
    (local $j i32) (local $o i32) (local $v f32)
    (loop $row
      (local.set $j (i32.const 0))
      (loop $col
        (local.set $o (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $v (f32.load (i32.add (local.get $tile) (i32.shl (local.get $j) (i32.const 2)))))
        (if (local.get $add) (then (local.set $v (f32.add (f32.load (local.get $o)) (local.get $v)))))
        (f32.store (local.get $o) (local.get $v))
        (br_if $col (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $w))))
      (local.set $tile (i32.add (local.get $tile) (i32.const 32)))
      (local.set $c (i32.add (local.get $c) (local.get $ldc)))
      (br_if $row (local.tee $h (i32.sub (local.get $h) (i32.const 1))))))

  ;; C[m×n at $c, row i at $c + 4·i·$cRow] (+ if $accumulate)= op(A) · op(B) with op(A)[i, p] = A[$a + 4·(i·$aRow + p·$aK)]
  ;; and op(B)[p, j] = B[$b + 4·(p·$bK + j·$bCol)] (strides in elements: one of aRow/aK and of bK/bCol must be 1).
  ;; $cRow ≥ n lets a caller compute a block of columns of a wider C (the threaded path splits C that way); each
  ;; element's sum depends only on $kcStep, so any split into blocks gives bitwise the same C.
  ;; m, k, n ≥ 1. Scratch: $packA holds ⌈mcStep/4⌉·4·kcStep floats, $packB ⌈ncStep/8⌉·8·kcStep, $tile 32;
  ;; mcStep must be a multiple of 4 and ncStep of 8 (so that only the last block has partial micro-panels).
  (func (export "gemm")
      (param $a i32) (param $aRow i32) (param $aK i32) (param $b i32) (param $bK i32) (param $bCol i32)
      (param $c i32) (param $cRow i32) (param $m i32) (param $k i32) (param $n i32) (param $accumulate i32)
      (param $packA i32) (param $packB i32) (param $tile i32) (param $kcStep i32) (param $mcStep i32) (param $ncStep i32)
    (local $jc i32) (local $nc i32) (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32)
    (local $jr i32) (local $w i32) (local $ir i32) (local $h i32)
    (local $add i32) (local $ldc i32) (local $ap i32) (local $bp i32) (local $cp i32)
    (local.set $ldc (i32.shl (local.get $cRow) (i32.const 2)))
    (loop $jcLoop
      (local.set $nc (i32.sub (local.get $n) (local.get $jc)))
      (local.set $nc (select (local.get $ncStep) (local.get $nc) (i32.lt_u (local.get $ncStep) (local.get $nc))))
      (local.set $pc (i32.const 0))
      (loop $pcLoop
        (local.set $kc (i32.sub (local.get $k) (local.get $pc)))
        (local.set $kc (select (local.get $kcStep) (local.get $kc) (i32.lt_u (local.get $kcStep) (local.get $kc))))
        ;; later k-slices add onto the earlier ones
        (local.set $add (i32.or (local.get $accumulate) (i32.ne (local.get $pc) (i32.const 0))))
        (call $pack
          (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $bK)) (i32.mul (local.get $jc) (local.get $bCol))) (i32.const 2)))
          (i32.shl (local.get $bCol) (i32.const 2)) (i32.shl (local.get $bK) (i32.const 2))
          (local.get $nc) (local.get $kc) (local.get $packB) (i32.const 8))
        (local.set $ic (i32.const 0))
        (loop $icLoop
          (local.set $mc (i32.sub (local.get $m) (local.get $ic)))
          (local.set $mc (select (local.get $mcStep) (local.get $mc) (i32.lt_u (local.get $mcStep) (local.get $mc))))
          (call $pack
            (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $aRow)) (i32.mul (local.get $pc) (local.get $aK))) (i32.const 2)))
            (i32.shl (local.get $aRow) (i32.const 2)) (i32.shl (local.get $aK) (i32.const 2))
            (local.get $mc) (local.get $kc) (local.get $packA) (i32.const 4))
          ;; jr outer: one B micro-panel stays in L1 while the packed A block (L2) streams past it
          (local.set $jr (i32.const 0))
          (loop $jrLoop
            (local.set $w (i32.sub (local.get $nc) (local.get $jr)))
            (local.set $w (select (i32.const 8) (local.get $w) (i32.gt_u (local.get $w) (i32.const 8))))
            (local.set $bp (i32.add (local.get $packB) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2))))
            (local.set $ir (i32.const 0))
            (loop $irLoop
              (local.set $h (i32.sub (local.get $mc) (local.get $ir)))
              (local.set $h (select (i32.const 4) (local.get $h) (i32.gt_u (local.get $h) (i32.const 4))))
              (local.set $ap (i32.add (local.get $packA) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2))))
              (local.set $cp (i32.add (local.get $c) (i32.shl
                (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $cRow)) (i32.add (local.get $jc) (local.get $jr)))
                (i32.const 2))))
              (if (i32.and (i32.eq (local.get $h) (i32.const 4)) (i32.eq (local.get $w) (i32.const 8)))
                (then (call $kernel (local.get $ap) (local.get $bp) (local.get $kc) (local.get $cp) (local.get $ldc) (local.get $add)))
                (else
                  (call $kernel (local.get $ap) (local.get $bp) (local.get $kc) (local.get $tile) (i32.const 32) (i32.const 0))
                  (call $edge (local.get $tile) (local.get $cp) (local.get $ldc) (local.get $h) (local.get $w) (local.get $add))))
              (br_if $irLoop (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc))))
            (br_if $jrLoop (i32.lt_u (local.tee $jr (i32.add (local.get $jr) (i32.const 8))) (local.get $nc))))
          (br_if $icLoop (i32.lt_u (local.tee $ic (i32.add (local.get $ic) (local.get $mcStep))) (local.get $m))))
        (br_if $pcLoop (i32.lt_u (local.tee $pc (i32.add (local.get $pc) (local.get $kcStep))) (local.get $k))))
      (br_if $jcLoop (i32.lt_u (local.tee $jc (i32.add (local.get $jc) (local.get $ncStep))) (local.get $n)))))
)
