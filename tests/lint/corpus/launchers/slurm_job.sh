#!/bin/bash
#SBATCH --job-name=cifar
#SBATCH --cpus-per-task=8
#SBATCH --time=02:00:00
export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK
module load cuda/11.8
env OPENBLAS_NUM_THREADS=128 srun python train.py  # expect: parallelism
