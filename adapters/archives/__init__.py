"""Export archives: zip files of JSON Lines and the files chats carried."""
