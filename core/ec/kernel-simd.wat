;; WebAssembly SIMD kernel for gfsck's erasure codec: runs an XorProgram (see xor-program.ts)
;; over a block of stripes. Memory layout, set up by kernel-simd.ts:
;;   [0, scratch bytes)        scratch planes; scratch refs in the program are absolute addresses
;;   [code, codeEnd)           the program, copied in once per program
;;   [workspace ...)           input and output stripes, written and read by the caller
;; A 64-byte plane is four v128 lanes; every step accumulates its sources in four locals, so
;; each source costs four loads and four XORs and the target one store per lane.
(module
  (memory (export "memory") 1)

  (func (export "run")
    (param $code i32) (param $codeEnd i32)
    (param $input i32) (param $inputStride i32)
    (param $output i32) (param $outputStride i32)
    (param $stripes i32)
    (local $pc i32) (local $target i32) (local $inputsEnd i32) (local $sourcesEnd i32)
    (local $source i32) (local $destination i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $done
      (br_if $done (i32.eqz (local.get $stripes)))
      (loop $stripe
        (local.set $pc (local.get $code))
        (loop $step
          ;; Step header: target, inputCount, scratchCount (STEP_HEADER = 3 words).
          (local.set $target (i32.load (local.get $pc)))
          (local.set $inputsEnd
            (i32.add (i32.add (local.get $pc) (i32.const 12))
                     (i32.shl (i32.load offset=4 (local.get $pc)) (i32.const 2))))
          (local.set $sourcesEnd
            (i32.add (local.get $inputsEnd)
                     (i32.shl (i32.load offset=8 (local.get $pc)) (i32.const 2))))
          (local.set $pc (i32.add (local.get $pc) (i32.const 12)))
          (local.set $a0 (v128.const i64x2 0 0))
          (local.set $a1 (v128.const i64x2 0 0))
          (local.set $a2 (v128.const i64x2 0 0))
          (local.set $a3 (v128.const i64x2 0 0))
          ;; Input refs are relative to this stripe's input, scratch refs are absolute. The two
          ;; loops differ only in that base; one loop choosing it per source ran 35% slower.
          (block $inputsDone
            (br_if $inputsDone (i32.ge_u (local.get $pc) (local.get $inputsEnd)))
            (loop $inputs
              (local.set $source (i32.add (i32.load (local.get $pc)) (local.get $input)))
              (local.set $a0 (v128.xor (local.get $a0) (v128.load offset=0 (local.get $source))))
              (local.set $a1 (v128.xor (local.get $a1) (v128.load offset=16 (local.get $source))))
              (local.set $a2 (v128.xor (local.get $a2) (v128.load offset=32 (local.get $source))))
              (local.set $a3 (v128.xor (local.get $a3) (v128.load offset=48 (local.get $source))))
              (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
              (br_if $inputs (i32.lt_u (local.get $pc) (local.get $inputsEnd)))))
          (block $scratchDone
            (br_if $scratchDone (i32.ge_u (local.get $pc) (local.get $sourcesEnd)))
            (loop $scratch
              (local.set $source (i32.load (local.get $pc)))
              (local.set $a0 (v128.xor (local.get $a0) (v128.load offset=0 (local.get $source))))
              (local.set $a1 (v128.xor (local.get $a1) (v128.load offset=16 (local.get $source))))
              (local.set $a2 (v128.xor (local.get $a2) (v128.load offset=32 (local.get $source))))
              (local.set $a3 (v128.xor (local.get $a3) (v128.load offset=48 (local.get $source))))
              (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
              (br_if $scratch (i32.lt_u (local.get $pc) (local.get $sourcesEnd)))))
          ;; A target with the low bit set (SCRATCH_TARGET) is a scratch plane at target - 1.
          (local.set $destination
            (select (i32.sub (local.get $target) (i32.const 1))
                    (i32.add (local.get $output) (local.get $target))
                    (i32.and (local.get $target) (i32.const 1))))
          (v128.store offset=0 (local.get $destination) (local.get $a0))
          (v128.store offset=16 (local.get $destination) (local.get $a1))
          (v128.store offset=32 (local.get $destination) (local.get $a2))
          (v128.store offset=48 (local.get $destination) (local.get $a3))
          (br_if $step (i32.lt_u (local.get $pc) (local.get $codeEnd))))
        (local.set $input (i32.add (local.get $input) (local.get $inputStride)))
        (local.set $output (i32.add (local.get $output) (local.get $outputStride)))
        (br_if $stripe (local.tee $stripes (i32.sub (local.get $stripes) (i32.const 1)))))))
)
