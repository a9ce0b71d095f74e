-- Reverse of 005: drop the sharing functions and chats.
DROP FUNCTION IF EXISTS public.get_shared_chat(text);
DROP FUNCTION IF EXISTS public.unshare_chat(uuid);
DROP FUNCTION IF EXISTS public.share_chat(uuid);
DROP TABLE IF EXISTS public.chats;
