"""Several processes under `torchrun`: gloo on CPU, NCCL on CUDA. One process = no-op."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed(device_type: str) -> DistInfo:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device_type == "cuda" else "gloo")
    return DistInfo(dist.get_rank(), world, int(os.environ.get("LOCAL_RANK", "0")))


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def max_parameter_spread(module: torch.nn.Module, info: DistInfo) -> float:
    """Largest |parameter difference| between this rank and rank 0 (0 when DDP keeps them in
    sync); a cheap end-of-run check that the replicas did not drift."""
    if not info.enabled:
        return 0.0
    spread = torch.zeros(())
    for p in module.parameters():
        ref = p.detach().clone()
        dist.broadcast(ref, 0)
        spread = torch.maximum(spread, (p.detach() - ref).abs().max().cpu())
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    return float(spread)


def shutdown(info: DistInfo) -> None:
    """Destroy the process group once nothing holds it: DDP wrappers must be dropped first;
    `gc.collect` ends any reference cycle through their autograd hooks, so the group's
    threads are joined here and not during interpreter teardown."""
    if info.enabled and dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()
