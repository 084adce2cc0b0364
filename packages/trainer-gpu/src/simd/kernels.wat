;; The trainer's kernels in 128-bit WebAssembly SIMD: C = A·B with one of three epilogues, and tanh.
;;
;; Built into kernels.wasm.ts by `pnpm --filter @tradecore/trainer-gpu build:kernels` (a test checks the
;; two agree). Addresses are byte offsets into the exported memory; matrices hold float32.
;;
;; gemm(a, sai, sak, b, c, m, k, n, mode, bias, aux):
;;   C[i, j] = epilogue(Σ_p A(i, p) · B[p, j]) for i < m, j < n
;;   A(i, p) is the float at a + 4·(i·sai + p·sak): any strides, so Xᵀ is read in place.
;;   B and C are row-major with n columns; n must be a multiple of 4.
;;   mode 0: C = acc
;;   mode 1: C = acc + bias[j]
;;   mode 2: C = acc · (1 − E[i, j]²), E at C's address + aux (same shape as C): the tanh derivative
;;           applied to a back-propagated gradient, E being the layer's tanh output.
;; Rows are taken two at a time and columns sixteen (then four) at a time, so each B vector loaded
;; feeds two rows; an odd last row is computed as a pair with itself (stored twice: so C must not overlap
;; A, B or E).
(module
  (memory (export "memory") 1)
  (global $mode (mut i32) (i32.const 0))
  (global $bias (mut i32) (i32.const 0))
  (global $aux (mut i32) (i32.const 0))

  ;; tanh(x) in place for `count` floats at byte address $at (count a multiple of 4), within a few float32
  ;; ulps (4.7 at most on [−20, 20]; tested): a [13/6] rational minimax approximation (the one Eigen uses)
  ;; on x clamped to ±7.9053, where tanh is 1 to within float32; |x| < 4e-4 returns x; NaN stays NaN.
  (func (export "tanh") (param $at i32) (param $count i32)
    (local $end i32) (local $x v128) (local $c v128) (local $x2 v128) (local $p v128) (local $q v128)
    (local $hi v128) (local $lo v128) (local $tiny v128)
    (local $a1 v128) (local $a3 v128) (local $a5 v128) (local $a7 v128) (local $a9 v128) (local $a11 v128) (local $a13 v128)
    (local $b0 v128) (local $b2 v128) (local $b4 v128) (local $b6 v128)
    (local.set $hi (f32x4.splat (f32.const 7.90531110763549805)))
    (local.set $lo (f32x4.splat (f32.const -7.90531110763549805)))
    (local.set $tiny (f32x4.splat (f32.const 0.0004)))
    (local.set $a1 (f32x4.splat (f32.const 4.89352455891786e-03)))
    (local.set $a3 (f32x4.splat (f32.const 6.37261928875436e-04)))
    (local.set $a5 (f32x4.splat (f32.const 1.48572235717979e-05)))
    (local.set $a7 (f32x4.splat (f32.const 5.12229709037114e-08)))
    (local.set $a9 (f32x4.splat (f32.const -8.60467152213735e-11)))
    (local.set $a11 (f32x4.splat (f32.const 2.00018790482477e-13)))
    (local.set $a13 (f32x4.splat (f32.const -2.76076847742355e-16)))
    (local.set $b0 (f32x4.splat (f32.const 4.89352518554385e-03)))
    (local.set $b2 (f32x4.splat (f32.const 2.26843463243900e-03)))
    (local.set $b4 (f32x4.splat (f32.const 1.18534705686654e-04)))
    (local.set $b6 (f32x4.splat (f32.const 1.19825839466702e-06)))
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $count) (i32.const 2))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
      (local.set $x (v128.load (local.get $at)))
      (local.set $c (f32x4.pmax (f32x4.pmin (local.get $x) (local.get $hi)) (local.get $lo)))
      (local.set $x2 (f32x4.mul (local.get $c) (local.get $c)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $x2) (local.get $a13)) (local.get $a11)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $x2) (local.get $p)) (local.get $a9)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $x2) (local.get $p)) (local.get $a7)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $x2) (local.get $p)) (local.get $a5)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $x2) (local.get $p)) (local.get $a3)))
      (local.set $p (f32x4.add (f32x4.mul (local.get $x2) (local.get $p)) (local.get $a1)))
      (local.set $p (f32x4.mul (local.get $c) (local.get $p)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $x2) (local.get $b6)) (local.get $b4)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $x2) (local.get $q)) (local.get $b2)))
      (local.set $q (f32x4.add (f32x4.mul (local.get $x2) (local.get $q)) (local.get $b0)))
      (v128.store (local.get $at)
        (v128.bitselect (local.get $x) (f32x4.div (local.get $p) (local.get $q))
          (f32x4.lt (f32x4.abs (local.get $x)) (local.get $tiny))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br $each))))

  ;; Stores four accumulated columns at byte address $at; $col is the columns' byte offset in a row.
  (func $finish (param $acc v128) (param $at i32) (param $col i32)
    (local $e v128)
    (if (i32.eqz (global.get $mode)) (then
      (v128.store (local.get $at) (local.get $acc))
      (return)))
    (if (i32.eq (global.get $mode) (i32.const 2)) (then
      (local.set $e (v128.load (i32.add (local.get $at) (global.get $aux))))
      (v128.store (local.get $at)
        (f32x4.mul (local.get $acc) (f32x4.sub (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $e) (local.get $e)))))
      (return)))
    (v128.store (local.get $at) (f32x4.add (local.get $acc) (v128.load (i32.add (global.get $bias) (local.get $col))))))

  (func (export "gemm")
        (param $a i32) (param $sai i32) (param $sak i32) (param $b i32) (param $c i32)
        (param $m i32) (param $k i32) (param $n i32)
        (param $mode i32) (param $biasAt i32) (param $auxAt i32)
    (local $i i32) (local $j i32) (local $p i32) (local $ldb i32) (local $end16 i32)
    (local $a0 i32) (local $a1 i32) (local $c0 i32) (local $c1 i32)
    (local $ap0 i32) (local $ap1 i32) (local $bp i32)
    (local $s v128) (local $t v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $y0 v128) (local $y1 v128) (local $y2 v128) (local $y3 v128)
    (global.set $mode (local.get $mode))
    (global.set $bias (local.get $biasAt))
    (global.set $aux (i32.sub (local.get $auxAt) (local.get $c)))
    (local.set $sai (i32.shl (local.get $sai) (i32.const 2)))
    (local.set $sak (i32.shl (local.get $sak) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end16 (i32.and (local.get $ldb) (i32.const -64)))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sai))))
      (local.set $c0 (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldb))))
      (local.set $a1 (local.get $a0))
      (local.set $c1 (local.get $c0))
      (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $m)) (then
        (local.set $a1 (i32.add (local.get $a0) (local.get $sai)))
        (local.set $c1 (i32.add (local.get $c0) (local.get $ldb)))))
      (local.set $j (i32.const 0))
      ;; sixteen columns at a time
      (block $cols16_done (loop $cols16
        (br_if $cols16_done (i32.ge_u (local.get $j) (local.get $end16)))
        (local.set $x0 (v128.const i32x4 0 0 0 0))
        (local.set $x1 (v128.const i32x4 0 0 0 0))
        (local.set $x2 (v128.const i32x4 0 0 0 0))
        (local.set $x3 (v128.const i32x4 0 0 0 0))
        (local.set $y0 (v128.const i32x4 0 0 0 0))
        (local.set $y1 (v128.const i32x4 0 0 0 0))
        (local.set $y2 (v128.const i32x4 0 0 0 0))
        (local.set $y3 (v128.const i32x4 0 0 0 0))
        (local.set $ap0 (local.get $a0))
        (local.set $ap1 (local.get $a1))
        (local.set $bp (i32.add (local.get $b) (local.get $j)))
        (local.set $p (local.get $k))
        (block $k_done (loop $kl
          (br_if $k_done (i32.eqz (local.get $p)))
          (local.set $s (f32x4.splat (f32.load (local.get $ap0))))
          (local.set $t (f32x4.splat (f32.load (local.get $ap1))))
          (local.set $b0 (v128.load offset=0 (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $b2 (v128.load offset=32 (local.get $bp)))
          (local.set $b3 (v128.load offset=48 (local.get $bp)))
          (local.set $x0 (f32x4.add (local.get $x0) (f32x4.mul (local.get $s) (local.get $b0))))
          (local.set $x1 (f32x4.add (local.get $x1) (f32x4.mul (local.get $s) (local.get $b1))))
          (local.set $x2 (f32x4.add (local.get $x2) (f32x4.mul (local.get $s) (local.get $b2))))
          (local.set $x3 (f32x4.add (local.get $x3) (f32x4.mul (local.get $s) (local.get $b3))))
          (local.set $y0 (f32x4.add (local.get $y0) (f32x4.mul (local.get $t) (local.get $b0))))
          (local.set $y1 (f32x4.add (local.get $y1) (f32x4.mul (local.get $t) (local.get $b1))))
          (local.set $y2 (f32x4.add (local.get $y2) (f32x4.mul (local.get $t) (local.get $b2))))
          (local.set $y3 (f32x4.add (local.get $y3) (f32x4.mul (local.get $t) (local.get $b3))))
          (local.set $ap0 (i32.add (local.get $ap0) (local.get $sak)))
          (local.set $ap1 (i32.add (local.get $ap1) (local.get $sak)))
          (local.set $bp (i32.add (local.get $bp) (local.get $ldb)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $kl)))
        ;; the second row first: for an odd last row both rows are the same row
        (call $finish (local.get $y0) (i32.add (local.get $c1) (local.get $j)) (local.get $j))
        (call $finish (local.get $y1) (i32.add (local.get $c1) (i32.add (local.get $j) (i32.const 16))) (i32.add (local.get $j) (i32.const 16)))
        (call $finish (local.get $y2) (i32.add (local.get $c1) (i32.add (local.get $j) (i32.const 32))) (i32.add (local.get $j) (i32.const 32)))
        (call $finish (local.get $y3) (i32.add (local.get $c1) (i32.add (local.get $j) (i32.const 48))) (i32.add (local.get $j) (i32.const 48)))
        (call $finish (local.get $x0) (i32.add (local.get $c0) (local.get $j)) (local.get $j))
        (call $finish (local.get $x1) (i32.add (local.get $c0) (i32.add (local.get $j) (i32.const 16))) (i32.add (local.get $j) (i32.const 16)))
        (call $finish (local.get $x2) (i32.add (local.get $c0) (i32.add (local.get $j) (i32.const 32))) (i32.add (local.get $j) (i32.const 32)))
        (call $finish (local.get $x3) (i32.add (local.get $c0) (i32.add (local.get $j) (i32.const 48))) (i32.add (local.get $j) (i32.const 48)))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $cols16)))
      ;; the remaining columns, four at a time
      (block $cols4_done (loop $cols4
        (br_if $cols4_done (i32.ge_u (local.get $j) (local.get $ldb)))
        (local.set $x0 (v128.const i32x4 0 0 0 0))
        (local.set $y0 (v128.const i32x4 0 0 0 0))
        (local.set $ap0 (local.get $a0))
        (local.set $ap1 (local.get $a1))
        (local.set $bp (i32.add (local.get $b) (local.get $j)))
        (local.set $p (local.get $k))
        (block $k4_done (loop $k4
          (br_if $k4_done (i32.eqz (local.get $p)))
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $x0 (f32x4.add (local.get $x0) (f32x4.mul (f32x4.splat (f32.load (local.get $ap0))) (local.get $b0))))
          (local.set $y0 (f32x4.add (local.get $y0) (f32x4.mul (f32x4.splat (f32.load (local.get $ap1))) (local.get $b0))))
          (local.set $ap0 (i32.add (local.get $ap0) (local.get $sak)))
          (local.set $ap1 (i32.add (local.get $ap1) (local.get $sak)))
          (local.set $bp (i32.add (local.get $bp) (local.get $ldb)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $k4)))
        (call $finish (local.get $y0) (i32.add (local.get $c1) (local.get $j)) (local.get $j))
        (call $finish (local.get $x0) (i32.add (local.get $c0) (local.get $j)) (local.get $j))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cols4)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $rows)))))
