-- job_submit.lua - Slurm's job_submit/lua plugin for powerpark
-- (docs/slurm.md). A job whose comment declares "pp:defer" is submitted
-- held; `powerpark slurm` releases it when powerpark says its GPUs fit
-- under every power limit. What follows " | " in the comment is
-- powerpark's: it marks the hold as powerpark's (a hold an operator or user
-- sets after the release is never lifted by it) and later says why the job
-- waits. (Not the admin comment: libslurm 22.05 leaks it on every query.)
-- Install: copy next to slurm.conf and set JobSubmitPlugins=lua.

function slurm_job_submit(job_desc, part_list, submit_uid)
	local c = job_desc.comment
	if c ~= nil and string.find(c, "pp:defer", 1, true) and
	   not string.find(c, " | ", 1, true) then
		job_desc.priority = 0
		job_desc.comment = c .. " | powerpark holds it until it says the job fits"
	end
	return slurm.SUCCESS
end

function slurm_job_modify(job_desc, job_rec, part_list, modify_uid)
	return slurm.SUCCESS
end
