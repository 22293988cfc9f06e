-- Tests only: the INSERT in -f returns when its (bounded) job has finished, not when submitted.
SET 'table.dml-sync' = 'true';
