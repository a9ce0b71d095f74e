-- Reverse of 003_chat_messages.
DROP TABLE IF EXISTS public.message_attachments;
DROP TABLE IF EXISTS public.chat_messages;
